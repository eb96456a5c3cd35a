package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// updateWelcome: enter (or space) starts the first kata.
func (m Model) updateWelcome(msg tea.Msg) (tea.Model, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	if !key.Matches(k, m.keys.Enter) && k.String() != " " {
		return m, nil
	}
	m.state.Welcomed = true
	next, cmd := m.openKata(m.idx)
	return next, tea.Batch(cmd, markWelcomed(m.eng))
}

// updateDone: the closing screen leads to the list, the book, or out.
func (m Model) updateDone(msg tea.Msg) (tea.Model, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	switch {
	case key.Matches(k, m.keys.List):
		m.screen = screenList
	case key.Matches(k, m.keys.Book):
		return m.openBook()
	case key.Matches(k, m.keys.Back):
		m.screen = screenKata
	}
	return m, nil
}

func (m Model) welcomeView() string {
	st := m.opts.Styles
	w := max(m.width, 20)
	wrap := st.Subtle.UnsetForeground().Width(w)
	return strings.Join([]string{
		st.Title.Render("Go concurrency katas"),
		"",
		wrap.Render(fmt.Sprintf("%d small, realistic programs, each with a concurrency bug: a data race, a "+
			"leaked goroutine, a deadlock. Their tests catch it with the race detector, goleak and "+
			"deadlock guards. You fix the code until the tests pass.", len(m.katas))),
		"",
		st.Bold.Render("The loop"),
		"  1. Open the kata's file in your editor (e opens $EDITOR).",
		"  2. Save: the tests re-run and show what is wrong, at your line.",
		"  3. Stuck? h shows a hint, one level more each time.",
		"  4. Solved: read the solution (s) and the chapter (b), then n.",
		"",
		st.Subtle.Render("? every key · q quits · your progress is saved as you go"),
		"",
		st.Solved.Render("Press enter to start with " + m.kata().ID + "."),
	}, "\n")
}

func (m Model) doneView() string {
	st := m.opts.Styles
	lines := []string{
		st.Solved.Render(fmt.Sprintf("All %d katas solved. Well done.", len(m.katas))),
		"",
		"What you practised:",
	}
	for _, k := range m.katas {
		lines = append(lines, "  · "+truncate(k.Title, max(m.width-4, 16)))
	}
	lines = append(lines,
		"",
		"Next:",
		"  · the book: b here, or `kata book` (start with the myths chapter)",
		"  · your own code: go test -race -json ./... | kata explain",
		"  · in CI: go test -race, go vet, goleak in tests that start goroutines",
		"",
		st.Help.Render("l list · b book · esc back · q quit"),
	)
	return strings.Join(lines, "\n")
}

func (m Model) helpView() string {
	st := m.opts.Styles
	return st.Title.Render("Keys") + "\n\n" + m.help.FullHelpView(m.keys.FullHelp()) + "\n\n" +
		st.Subtle.Width(max(m.width, 20)).Render("Edit the kata's file in your editor: the tests re-run on every save. "+
			"A newer save cancels a run in progress. Any key closes this help.")
}

func (m Model) confirmView() string {
	st := m.opts.Styles
	q := fmt.Sprintf("Reset %s to its original files? Your version is backed up first. [y/N]", m.kata().ID)
	view := m.kataView()
	lines := strings.Split(view, "\n")
	prompt := st.Failing.Width(max(m.width, 20)).Render(q)
	// The prompt replaces the footer, so the screen keeps its height.
	keep := max(len(lines)-lipgloss.Height(prompt), 0)
	return strings.Join(lines[:keep], "\n") + "\n" + prompt
}
