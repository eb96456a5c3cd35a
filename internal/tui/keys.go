package tui

import "github.com/charmbracelet/bubbles/key"

// keyMap holds every key binding of the app, with its help text.
type keyMap struct {
	Run, Next, Hint, Solution, Diff, Book, List, Edit, Output, Reset key.Binding
	Help, Quit, Back, Enter, Yes, No, Filter                         key.Binding
	// Top and Bottom jump to the first and last line of every pager.
	Top, Bottom key.Binding
	// Up and Down choose a finding on the kata screen (Enter opens it), and
	// scroll the timeline's lanes.
	Up, Down key.Binding
	// Trace opens the timeline; on it Left/Right pan, ZoomIn/ZoomOut zoom,
	// and Versus switches between the learner's run and the shipped kata's.
	Trace, Left, Right, ZoomIn, ZoomOut, Versus key.Binding
	// Route opens the route screen.
	Route key.Binding
}

func newKeyMap() keyMap {
	return keyMap{
		Run:      key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "run tests")),
		Next:     key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next kata")),
		Hint:     key.NewBinding(key.WithKeys("h"), key.WithHelp("h", "hint")),
		Solution: key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "solution")),
		Diff:     key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "diff")),
		Book:     key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "book")),
		List:     key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "all katas")),
		Edit:     key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit ($EDITOR)")),
		Output:   key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "raw output")),
		Reset:    key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "reset kata")),
		Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Enter:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "choose")),
		Yes:      key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "yes")),
		No:       key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n", "no")),
		Filter:   key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter (list)")),
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "previous finding")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "next finding")),
		Route:    key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "route (path)")),
		Trace:    key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "timeline")),
		Left:     key.NewBinding(key.WithKeys("left"), key.WithHelp("←", "earlier (timeline)")),
		Right:    key.NewBinding(key.WithKeys("right"), key.WithHelp("→", "later (timeline)")),
		ZoomIn:   key.NewBinding(key.WithKeys("+", "="), key.WithHelp("+", "zoom in (timeline)")),
		ZoomOut:  key.NewBinding(key.WithKeys("-"), key.WithHelp("-", "zoom out (timeline)")),
		Versus:   key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "buggy/fixed run (timeline)")),
		Top:      key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("home/g", "top (pagers)")),
		Bottom:   key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("end/G", "bottom (pagers)")),
	}
}

// ShortHelp is the one-line help of the kata screen while the kata is open.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Run, k.Hint, k.Edit, k.Trace, k.List, k.Help, k.Quit}
}

// solvedHelp is the one-line help of the kata screen once it is solved.
func (k keyMap) solvedHelp() []key.Binding {
	return []key.Binding{k.Next, k.Solution, k.Diff, k.Book, k.Trace, k.List, k.Help, k.Quit}
}

// FullHelp is the help screen.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Run, k.Hint, k.Output, k.Edit, k.Reset, k.Up, k.Down},
		{k.Solution, k.Diff, k.Book, k.Trace, k.Next, k.List},
		{k.Route, k.Filter, k.Top, k.Bottom, k.Help, k.Back, k.Quit},
	}
}
