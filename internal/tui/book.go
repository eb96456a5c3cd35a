package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// bookModel is the book screen: the current kata's chapter, rendered.
type bookModel struct {
	kata  string
	back  screen
	pager pagerModel
}

// openBook asks the engine for the chapter; esc returns to this screen.
func (m Model) openBook() (tea.Model, tea.Cmd) {
	return m, loadChapter(m.eng, m.kata())
}

func (m Model) onChapter(msg chapterMsg) (tea.Model, tea.Cmd) {
	if msg.kata != m.kata().ID {
		return m, nil
	}
	if msg.err != nil {
		m.message = msg.err.Error()
		return m, nil
	}
	if m.screen != screenBook {
		m.book.back = m.screen
	}
	m.book.kata = msg.kata
	m.screen = screenBook
	return m, m.book.pager.load(screenBook, msg.kata+" · the book", markdownAt(msg.markdown, m.opts.Markdown))
}

func (m Model) updateBook(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok && (key.Matches(k, m.keys.Back) || key.Matches(k, m.keys.Quit)) {
		m.screen = m.book.back
		return m, nil
	}
	var cmd tea.Cmd
	m.book.pager, cmd = m.book.pager.update(msg, m.keys)
	return m, cmd
}
