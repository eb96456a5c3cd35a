package tui

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/timeline"
)

// traceModel is the timeline screen: the goroutines of the learner's code
// in one traced run of the kata's tests, with zoom, pan and scroll. Once
// the kata is solved, v switches between the learner's fixed run and the
// shipped (buggy) one.
type traceModel struct {
	kata    string
	shipped bool // showing the shipped kata's run, not the learner's
	gen     int  // drops traces a newer request superseded
	loading bool
	tl      *timeline.Timeline
	err     error
	view    timeline.View
	cancel  context.CancelFunc
}

// traceDoneMsg carries one traced run.
type traceDoneMsg struct {
	kata    string
	gen     int
	shipped bool
	tl      *timeline.Timeline
	err     error
}

// openTrace starts a traced run of the current kata (the learner's files,
// or the shipped ones) and opens the timeline screen, which shows progress
// until the trace arrives.
func (m Model) openTrace(shipped bool) (tea.Model, tea.Cmd) {
	k := m.kata()
	m.stopTrace()
	ctx, cancel := context.WithCancel(m.ctx)
	m.trace = traceModel{kata: k.ID, shipped: shipped, gen: m.trace.gen + 1, loading: true, cancel: cancel,
		view: timeline.View{Width: m.width, Height: m.height - 2}}
	m.screen = screenTrace
	return m, runTrace(ctx, m.eng, k, shipped, m.trace.gen)
}

// stopTrace cancels a traced run still under way.
func (m *Model) stopTrace() {
	if m.trace.cancel != nil {
		m.trace.cancel()
	}
}

func runTrace(ctx context.Context, eng Engine, k catalog.Kata, shipped bool, gen int) tea.Cmd {
	return func() tea.Msg {
		tl, err := eng.Trace(ctx, k, shipped)
		return traceDoneMsg{kata: k.ID, gen: gen, shipped: shipped, tl: tl, err: err}
	}
}

func (m Model) onTraceDone(msg traceDoneMsg) (tea.Model, tea.Cmd) {
	if msg.gen != m.trace.gen || msg.kata != m.trace.kata {
		return m, nil
	}
	m.trace.loading, m.trace.tl, m.trace.err = false, msg.tl, msg.err
	m.trace.view = timeline.View{Width: m.width, Height: m.height - 2}
	return m, nil
}

func (m Model) updateTrace(msg tea.Msg) (tea.Model, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	t, keys := &m.trace, m.keys
	switch {
	case key.Matches(k, keys.Back), key.Matches(k, keys.Trace):
		m.stopTrace()
		m.screen = screenKata
	case key.Matches(k, keys.Quit):
		m.stopTrace()
		return m.quit()
	case key.Matches(k, keys.Versus) && m.state.Solved[m.kata().ID]:
		return m.openTrace(!t.shipped)
	case t.tl == nil:
	case key.Matches(k, keys.ZoomIn):
		t.view = t.view.Zoom(t.tl, 2)
	case key.Matches(k, keys.ZoomOut):
		t.view = t.view.Zoom(t.tl, 0.5)
	case key.Matches(k, keys.Left):
		t.view = t.view.Pan(t.tl, -0.25)
	case key.Matches(k, keys.Right):
		t.view = t.view.Pan(t.tl, 0.25)
	case key.Matches(k, keys.Up):
		t.view.Top = max(t.view.Top-1, 0)
	case key.Matches(k, keys.Down):
		t.view.Top = min(t.view.Top+1, max(len(t.tl.Goroutines)-1, 0))
	case key.Matches(k, keys.Top):
		t.view = timeline.View{Width: t.view.Width, Height: t.view.Height}
	}
	return m, nil
}

// traceView draws the timeline screen: a title, the timeline (or its
// progress, or why it failed), and the keys.
func (m Model) traceView() string {
	st := m.opts.Styles
	t := m.trace
	which := "your run"
	if t.shipped {
		which = "the shipped (buggy) kata"
	}
	title := st.Title.Render(truncate(fmt.Sprintf("%s · timeline of %s", t.kata, which), m.width))
	keys := "+/- zoom · ←/→ pan · ↑/↓ scroll · home whole run · esc back"
	if m.state.Solved[m.kata().ID] {
		keys = "v buggy/fixed · " + keys
	}
	var body string
	switch {
	case t.loading:
		body = m.spinner.View() + " running the tests once with the execution tracer…"
	case t.err != nil:
		body = st.Failing.Width(m.width).Render("no timeline: "+t.err.Error()) + "\n" +
			st.Subtle.Width(m.width).Render("The kata screen works as before (esc); r runs the tests.")
	default:
		v := t.view
		v.Width, v.Height = m.width, max(m.height-2, 8)
		body = timeline.Render(t.tl, v)
	}
	lines := strings.Count(body, "\n") + 1
	pad := strings.Repeat("\n", max(m.height-2-lines, 0))
	return title + "\n" + body + pad + "\n" + st.Help.Render(truncate(keys, m.width))
}
