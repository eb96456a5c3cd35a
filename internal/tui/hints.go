package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/gokatas/concurrency/internal/catalog"
)

// hintsModel is the hints screen: the levels revealed so far, one more per
// press of h. The level is saved through the engine, so it survives restarts.
type hintsModel struct {
	kata  string
	hints []string
	level int
	pager pagerModel
}

// show opens the screen at level (at least 1) and renders it.
func (h *hintsModel) show(k catalog.Kata, level int, render func(string, int) string) tea.Cmd {
	h.kata = k.ID
	h.level = min(max(level, 1), len(h.hints))
	h.pager.footer = ""
	if h.level < len(h.hints) {
		h.pager.footer = "h next hint"
	}
	title := fmt.Sprintf("%s · hint %d of %d", k.ID, h.level, len(h.hints))
	return h.pager.load(screenHints, title, markdownAt(h.markdown(), render))
}

// markdown is the revealed levels, the newest first, so a new level is
// on screen without scrolling.
func (h hintsModel) markdown() string {
	var b strings.Builder
	for i := h.level - 1; i >= 0; i-- {
		if i == h.level-2 {
			b.WriteString("---\n\n*Earlier hints:*\n\n")
		}
		hint := strings.TrimSpace(h.hints[i])
		if !strings.HasPrefix(hint, "#") {
			fmt.Fprintf(&b, "**Hint %d**\n\n", i+1)
		}
		b.WriteString(demote(hint) + "\n\n")
		if i == h.level-1 && h.level == len(h.hints) {
			b.WriteString("*That was the last hint. The solution unlocks once the tests pass.*\n\n")
		}
	}
	return b.String()
}

// demote turns a hint's headings into bold lines, so the screen's own
// headings stay the outline.
func demote(md string) string {
	lines := strings.Split(md, "\n")
	for i, l := range lines {
		if t := strings.TrimLeft(l, "#"); t != l && strings.HasPrefix(t, " ") {
			lines[i] = "**" + strings.TrimSpace(t) + "**\n"
		}
	}
	return strings.Join(lines, "\n")
}

// updateHints: h reveals one more level; esc goes back; the rest scrolls.
func (m Model) updateHints(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok {
		switch {
		case key.Matches(k, m.keys.Hint):
			if m.hints.level >= len(m.hints.hints) {
				return m, nil
			}
			return m.showHints(m.hints.level + 1)
		case key.Matches(k, m.keys.Back), key.Matches(k, m.keys.Quit):
			m.screen = screenKata
			return m, nil
		case key.Matches(k, m.keys.Book):
			return m.openBook()
		}
	}
	var cmd tea.Cmd
	m.hints.pager, cmd = m.hints.pager.update(msg, m.keys)
	return m, cmd
}

// showHints opens the hints screen at level and remembers the level.
func (m Model) showHints(level int) (tea.Model, tea.Cmd) {
	k := m.kata()
	if len(m.hints.hints) == 0 || m.hints.kata != k.ID {
		m.message = "no hints for this kata"
		return m, nil
	}
	m.screen = screenHints
	cmd := m.hints.show(k, level, m.opts.Markdown)
	var save tea.Cmd
	if m.hints.level > m.state.HintLevel[k.ID] {
		m.state.HintLevel[k.ID] = m.hints.level
		save = saveHintLevel(m.eng, k, m.hints.level)
	}
	return m, tea.Batch(cmd, save)
}
