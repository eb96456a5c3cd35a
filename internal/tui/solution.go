package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/gokatas/concurrency/internal/catalog"
)

// solutionModel is the solution screen, unlocked once a kata is solved: the
// official code with its explanation, or a diff of the learner's file
// against it (d switches).
type solutionModel struct {
	kata  string
	sol   Solution
	diff  bool
	pager pagerModel
}

func (s *solutionModel) show(k catalog.Kata, render func(string, int) string) tea.Cmd {
	s.kata = k.ID
	if s.diff {
		s.pager.footer = "d the solution · b book"
		return s.pager.load(screenSolution, k.ID+" · your file vs the solution", plainAt(s.sol.Diff))
	}
	// The explanation first (it says where the change is), then the code as
	// it is (Markdown would reflow it).
	code, expl, wrong := ensureNL(s.sol.Code), s.sol.Explanation, s.sol.WrongFixes
	s.pager.footer = "d your file vs the solution · b book"
	return s.pager.load(screenSolution, k.ID+" · why it works, then the solution", func(w int) string {
		out := markdownAt(expl, render)(w) + "\n\n" + wrapCode(code, max(w, 10))
		if wrong != "" {
			out += "\n" + markdownAt(wrong, render)(w)
		}
		return out
	})
}

func ensureNL(s string) string {
	if s == "" || strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}

// openSolution asks the engine for the solution, if the kata is solved.
func (m Model) openSolution(diff bool) (tea.Model, tea.Cmd) {
	k := m.kata()
	if !m.state.Solved[k.ID] && !m.state.Unlocked[k.ID] {
		m.message = "the solution unlocks once the kata is solved (h for a hint)"
		return m, nil
	}
	return m, loadSolution(m.eng, k, diff)
}

func (m Model) onSolution(msg solutionMsg) (tea.Model, tea.Cmd) {
	if msg.kata != m.kata().ID {
		return m, nil
	}
	if msg.err != nil {
		m.message = msg.err.Error()
		return m, nil
	}
	m.solution.sol, m.solution.diff = msg.sol, msg.diff
	if m.screen != screenSolution {
		m.solution.pager.setSize(m.width, m.height)
	}
	m.screen = screenSolution
	return m, m.solution.show(m.kata(), m.opts.Markdown)
}

func (m Model) updateSolution(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok {
		switch {
		case key.Matches(k, m.keys.Diff):
			m.solution.diff = !m.solution.diff
			return m, m.solution.show(m.kata(), m.opts.Markdown)
		case key.Matches(k, m.keys.Book):
			return m.openBook()
		case key.Matches(k, m.keys.Next):
			return m.next()
		case key.Matches(k, m.keys.Back), key.Matches(k, m.keys.Quit):
			m.screen = screenKata
			return m, nil
		}
	}
	var cmd tea.Cmd
	m.solution.pager, cmd = m.solution.pager.update(msg, m.keys)
	return m, cmd
}
