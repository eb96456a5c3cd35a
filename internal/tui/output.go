package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// outputModel is the raw output of the last run, as go test printed it.
type outputModel struct {
	pager pagerModel
}

func (m Model) openOutput() (tea.Model, tea.Cmd) {
	text := strings.Join(m.run.lines, "\n")
	if text == "" && m.run.verdict != nil {
		text = m.run.verdict.Output
	}
	if text == "" {
		text = "(no output yet)"
	}
	m.screen = screenOutput
	cmd := m.output.pager.load(screenOutput, m.kata().ID+" · raw test output", plainAt(text))
	return m, cmd
}

func (m Model) updateOutput(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok && (key.Matches(k, m.keys.Back) || key.Matches(k, m.keys.Quit) || key.Matches(k, m.keys.Output)) {
		m.screen = screenKata
		return m, nil
	}
	var cmd tea.Cmd
	m.output.pager, cmd = m.output.pager.update(msg, m.keys)
	return m, cmd
}
