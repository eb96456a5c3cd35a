package tui

import (
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/list"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/gokatas/concurrency/internal/catalog"
)

// kataItem is one row of the list screen.
type kataItem struct {
	index   int
	kata    catalog.Kata
	solved  bool
	current bool
}

// Title is the row's first line: status, id and title.
func (i kataItem) Title() string {
	mark := "·"
	if i.solved {
		mark = "✔"
	}
	return fmt.Sprintf("%s %s  %s", mark, i.kata.ID, i.kata.Title)
}

// Description is the row's second line: status, minutes, summary.
func (i kataItem) Description() string {
	status := "pending"
	if i.solved {
		status = "solved"
	}
	if i.current {
		status += ", current"
	}
	return fmt.Sprintf("%s · %d min · %s", status, i.kata.Minutes, i.kata.Summary)
}

// FilterValue is what / matches against.
func (i kataItem) FilterValue() string { return i.kata.ID + " " + i.kata.Title }

// listModel is the list screen: every kata, filterable, to jump to any.
type listModel struct {
	l list.Model
}

func newListModel(katas []catalog.Kata, st Styles) listModel {
	d := list.NewDefaultDelegate()
	if r := st.Renderer; r != nil {
		// The bubbles defaults are bound to lipgloss's global renderer;
		// rebind them to ours so NO_COLOR and the background hold here too.
		ds := &d.Styles
		for _, s := range []*lipgloss.Style{&ds.NormalTitle, &ds.NormalDesc, &ds.SelectedTitle, &ds.SelectedDesc,
			&ds.DimmedTitle, &ds.DimmedDesc, &ds.FilterMatch} {
			*s = s.Renderer(r)
		}
	}
	l := list.New(nil, d, 80, 22)
	l.Title = "Katas · enter opens · / filters · esc back"
	l.SetShowHelp(false)
	l.SetStatusBarItemName("kata", "katas")
	if r := st.Renderer; r != nil {
		ls := &l.Styles
		for _, s := range []*lipgloss.Style{&ls.TitleBar, &ls.Title, &ls.StatusBar, &ls.StatusEmpty,
			&ls.StatusBarActiveFilter, &ls.StatusBarFilterCount, &ls.NoItems, &ls.PaginationStyle,
			&ls.HelpStyle, &ls.ActivePaginationDot, &ls.InactivePaginationDot, &ls.DividerDot} {
			*s = s.Renderer(r)
		}
	}
	lm := listModel{l: l}
	lm.refresh(katas, State{})
	return lm
}

// refresh rebuilds the rows from the progress.
func (lm *listModel) refresh(katas []catalog.Kata, s State) {
	items := make([]list.Item, len(katas))
	for i, k := range katas {
		items[i] = kataItem{index: i, kata: k, solved: s.Solved[k.ID], current: k.ID == s.Current}
	}
	lm.l.SetItems(items)
}

func (lm *listModel) setSize(w, h int) { lm.l.SetSize(w, h) }

// sel selects the row of kata i (the current one, when the list opens).
func (lm *listModel) sel(i int) {
	if lm.l.FilterState() == list.Unfiltered {
		lm.l.Select(i)
	}
}

func (lm listModel) filtering() bool { return lm.l.FilterState() == list.Filtering }

func (lm listModel) selected() (int, bool) {
	it, ok := lm.l.SelectedItem().(kataItem)
	return it.index, ok
}

func (lm listModel) update(msg tea.Msg) (listModel, tea.Cmd) {
	var cmd tea.Cmd
	lm.l, cmd = lm.l.Update(msg)
	return lm, cmd
}

func (lm listModel) view() string { return lm.l.View() }

// updateList: enter opens the selected kata; esc (or l) goes back, unless
// the filter is being typed, when every key goes to the list.
func (m Model) updateList(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok && !m.list.filtering() {
		switch {
		case key.Matches(k, m.keys.Enter):
			if i, ok := m.list.selected(); ok {
				m.list.l.ResetFilter()
				return m.openKata(i)
			}
			return m, nil
		case key.Matches(k, m.keys.Back) && m.list.l.FilterState() == list.FilterApplied:
			m.list.l.ResetFilter()
			return m, nil
		case key.Matches(k, m.keys.Back), key.Matches(k, m.keys.List):
			m.screen = screenKata
			return m, nil
		case key.Matches(k, m.keys.Quit):
			return m.quit()
		}
	}
	var cmd tea.Cmd
	m.list, cmd = m.list.update(msg)
	return m, cmd
}
