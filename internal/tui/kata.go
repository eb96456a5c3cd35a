package tui

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/gokatas/concurrency/internal/check"
	"github.com/gokatas/concurrency/internal/diagnose"
)

// updateKata handles the keys of the kata screen.
func (m Model) updateKata(msg tea.Msg) (tea.Model, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	kata := m.kata()
	solved := m.state.Solved[kata.ID]
	m.message = ""
	switch {
	case key.Matches(k, m.keys.Quit):
		return m.quit()
	case key.Matches(k, m.keys.Help):
		m.showHelp = true
	case key.Matches(k, m.keys.Run):
		return m.startCheck()
	case key.Matches(k, m.keys.Next):
		if m.idx == len(m.katas)-1 {
			if m.allSolved() {
				m.screen = screenDone
				return m, nil
			}
			m.message = "this is the last kata; l lists them all"
			return m, nil
		}
		return m.openKata(m.idx + 1)
	case key.Matches(k, m.keys.Hint):
		return m.nextHint()
	case key.Matches(k, m.keys.Solution), key.Matches(k, m.keys.Diff):
		if !solved {
			m.message = "the solution unlocks once the kata is solved (h for a hint)"
			return m, nil
		}
		diff := key.Matches(k, m.keys.Diff)
		title := kata.ID + " · solution"
		if diff {
			title = kata.ID + " · your file vs the solution"
		}
		return m, openPager(title, func() (string, error) {
			s, err := m.eng.Solution(kata)
			if err != nil {
				return "", err
			}
			if diff {
				return "```diff\n" + s.Diff + "```\n", nil
			}
			return "```go\n" + s.Code + "```\n\n" + s.Explanation, nil
		}, m.opts.Markdown, m.width)
	case key.Matches(k, m.keys.Book):
		return m, m.bookCmd()
	case key.Matches(k, m.keys.List):
		m.screen = screenList
	case key.Matches(k, m.keys.Output):
		m.back, m.screen = screenKata, screenPager
		m.pager.open(kata.ID+" · raw test output", strings.Join(m.run.lines, "\n"))
	case key.Matches(k, m.keys.Edit):
		return m, openEditor(m.opts.Editor, filepath.Join(m.eng.Root(), filepath.FromSlash(kata.Dir), kata.Files[0]))
	case key.Matches(k, m.keys.Reset):
		m.screen = screenConfirmReset
	}
	return m, nil
}

func (m Model) bookCmd() tea.Cmd {
	kata := m.kata()
	return openPager(kata.ID+" · book", func() (string, error) { return m.eng.Chapter(kata) }, m.opts.Markdown, m.width)
}

// nextHint reveals one more hint level and shows all revealed so far.
func (m Model) nextHint() (tea.Model, tea.Cmd) {
	kata := m.kata()
	if len(m.hints) == 0 {
		m.message = "no hints for this kata"
		return m, nil
	}
	level := min(m.state.HintLevel[kata.ID]+1, len(m.hints))
	m.state.HintLevel[kata.ID] = level
	md := strings.Join(m.hints[:level], "\n\n")
	if level < len(m.hints) {
		md += fmt.Sprintf("\n\n---\n*Hint %d of %d. Press esc, then h, for the next.*", level, len(m.hints))
	}
	title := fmt.Sprintf("%s · hints (%d of %d)", kata.ID, level, len(m.hints))
	return m, tea.Batch(saveHintLevel(m.eng, kata, level),
		openPager(title, func() (string, error) { return md, nil }, m.opts.Markdown, m.width))
}

func (m Model) allSolved() bool {
	for _, k := range m.katas {
		if !m.state.Solved[k.ID] {
			return false
		}
	}
	return true
}

func (m Model) solvedCount() int {
	n := 0
	for _, k := range m.katas {
		if m.state.Solved[k.ID] {
			n++
		}
	}
	return n
}

// kataView is the main screen: the task, the files, the status, the
// findings. It always fits the terminal: findings shrink to fit.
func (m Model) kataView() string {
	st := m.opts.Styles
	k := m.kata()
	w := max(m.width, 20)
	var b strings.Builder
	n := m.solvedCount()
	b.WriteString(st.Title.Render(fmt.Sprintf("%s · %s", k.ID, k.Title)) + "\n")
	b.WriteString(st.Subtle.Render(fmt.Sprintf("%d of %d solved ", n, len(m.katas))) + m.progress.ViewAs(float64(n)/float64(len(m.katas))) + "\n")
	b.WriteString(lipgloss.NewStyle().Width(w).Render(k.Summary) + "\n")
	for _, f := range k.Files {
		rel := k.Dir + "/" + f
		shown := st.Location.Render(rel)
		if m.opts.Hyperlinks {
			// OSC 8 around the styled text: lipgloss must not measure the escape.
			abs := filepath.Join(m.eng.Root(), filepath.FromSlash(rel))
			shown = fmt.Sprintf("\x1b]8;;file://%s\x1b\\%s\x1b]8;;\x1b\\", filepath.ToSlash(abs), shown)
		}
		b.WriteString("edit: " + shown + "\n")
	}
	b.WriteString(m.statusLine() + "\n")
	b.WriteString(m.notes())
	footer := m.footer()
	room := m.height - lipgloss.Height(b.String()) - lipgloss.Height(footer)
	body := m.findingsView(w, room)
	b.WriteString(body)
	if pad := room - lipgloss.Height(body); pad > 0 && body != "" {
		b.WriteString(strings.Repeat("\n", pad))
	} else if body == "" && room > 0 {
		b.WriteString(strings.Repeat("\n", room))
	}
	return b.String() + footer
}

func (m Model) notes() string {
	st := m.opts.Styles
	var lines []string
	if m.warming {
		lines = append(lines, m.spinner.View()+" preparing the race-instrumented build in the background (the first time takes a minute)")
	}
	if m.warmErr != nil {
		lines = append(lines, "warm-up: "+m.warmErr.Error())
	}
	if m.watchNote != "" {
		lines = append(lines, m.watchNote)
	} else if m.opts.Manual {
		lines = append(lines, "manual mode: press r to run the tests")
	}
	if m.run.verdict != nil {
		lines = append(lines, m.run.verdict.Notes...)
	}
	if len(lines) == 0 {
		return ""
	}
	return st.Note.Render(strings.Join(lines, "\n")) + "\n"
}

func (m Model) statusLine() string {
	st := m.opts.Styles
	k := m.kata()
	switch {
	case m.run.running:
		what := map[check.Phase]string{check.PhaseBuilding: "building", check.PhaseTesting: "testing", check.PhaseVetting: "vetting"}[m.run.phase]
		if what == "" {
			what = "running"
		}
		el := m.opts.Now().Sub(m.run.started).Round(100 * time.Millisecond)
		return st.Running.Render(fmt.Sprintf("%s %s… %s", m.spinner.View(), what, el))
	case m.run.err != nil:
		return st.Failing.Render("could not run the tests: " + m.run.err.Error())
	case m.run.verdict != nil && m.run.verdict.Outcome == check.Solved:
		return st.Solved.Render("✔ SOLVED") + st.Subtle.Render(" — s solution · d diff · b book · n next kata")
	case m.run.verdict != nil && m.run.verdict.Outcome == check.Almost:
		return st.Pending.Render("~ ALMOST: the tests pass, but go vet (or a missing race check) says:")
	case m.run.verdict != nil:
		return st.Failing.Render(fmt.Sprintf("✘ FAILING — %d finding(s). Save the file to re-run.", len(m.run.findings)))
	case m.state.Solved[k.ID]:
		return st.Solved.Render("✔ solved before") + st.Subtle.Render(" — r to run again")
	}
	return st.Pending.Render("pending")
}

// findingsView renders the findings of the last run, each at its
// file:line, in at most room lines: with details when they fit, else one
// line each, else as many as fit and a count of the rest.
func (m Model) findingsView(w, room int) string {
	st := m.opts.Styles
	var msg string
	if m.message != "" {
		msg = st.Note.Render(m.message) + "\n"
		room -= lipgloss.Height(msg)
	}
	if len(m.run.findings) == 0 || room < 2 {
		return msg
	}
	medium := func(f diagnose.Finding) string {
		return st.Kind.Render(strings.ToUpper(string(f.Kind))) + " " + st.Location.Render(where(f)) + "\n" +
			lipgloss.NewStyle().Width(w-2).PaddingLeft(2).Render(f.Message) + "\n"
	}
	full := func(f diagnose.Finding) string {
		var b strings.Builder
		b.WriteString(medium(f))
		for _, d := range f.Details {
			b.WriteString(st.Detail.Width(w-4).PaddingLeft(4).Render("· "+d) + "\n")
		}
		return b.String()
	}
	compact := func(f diagnose.Finding) string {
		head := strings.ToUpper(string(f.Kind)) + " " + where(f)
		line := head + "  " + f.Message
		if len([]rune(line)) > w {
			line = string([]rune(line)[:max(w-1, 1)]) + "…"
		}
		return st.Kind.Render(line[:min(len(head), len(line))]) + line[min(len(head), len(line)):] + "\n"
	}
	for _, render := range []func(diagnose.Finding) string{full, medium, compact} {
		var b strings.Builder
		for _, f := range m.run.findings {
			b.WriteString(render(f))
		}
		if lipgloss.Height(b.String()) <= room {
			return msg + b.String()
		}
	}
	var b strings.Builder
	for i, f := range m.run.findings {
		if i >= room-1 {
			b.WriteString(st.Subtle.Render(fmt.Sprintf("… %d more: make the window taller, or o for the raw output", len(m.run.findings)-i)) + "\n")
			break
		}
		b.WriteString(compact(f))
	}
	return msg + b.String()
}

func where(f diagnose.Finding) string {
	if f.File == "" {
		return ""
	}
	if f.Line == 0 {
		return f.File
	}
	return fmt.Sprintf("%s:%d", f.File, f.Line)
}

func (m Model) footer() string {
	return m.opts.Styles.Help.Render(m.help.ShortHelpView(m.keys.ShortHelp()))
}

func (m Model) helpView() string {
	st := m.opts.Styles
	return st.Title.Render("Keys") + "\n\n" + m.help.FullHelpView(m.keys.FullHelp()) +
		"\n\n" + st.Subtle.Render("Edit the kata's file in your editor: the app re-runs its tests on every save.\nIn the list, / filters. Any key closes this help.")
}

func (m Model) welcomeView() string {
	st := m.opts.Styles
	body := strings.Join([]string{
		st.Title.Render("Go concurrency katas"),
		"",
		fmt.Sprintf("%d small, realistic programs, each with a concurrency bug: a data race, a", len(m.katas)),
		"leaked goroutine, a deadlock. Their tests catch it with the race detector,",
		"goleak and deadlock guards. You fix the code until the tests pass.",
		"",
		st.Bold.Render("The loop"),
		"  1. Open the kata's file in your editor (e opens $EDITOR).",
		"  2. Save: the app re-runs the tests and shows what is wrong, at your line.",
		"  3. Stuck? h shows a hint, one level more each time.",
		"  4. Solved: read the official solution (s) and the chapter (b), then n.",
		"",
		st.Subtle.Render("? shows every key · q quits · your progress is saved as you go"),
		"",
		st.Solved.Render("Press enter to start with " + m.kata().ID + "."),
	}, "\n")
	return body
}

func (m Model) doneView() string {
	st := m.opts.Styles
	return strings.Join([]string{
		st.Solved.Render(fmt.Sprintf("All %d katas solved. Well done.", len(m.katas))),
		"",
		"What you practised:",
		"  · count goroutines before starting them; finish them on every path (wg.Go)",
		"  · close every response body; a leak is a goroutine you can count",
		"  · pass the context down, cancel it, never leave a sender without a receiver",
		"  · defer the unlock; lock the readers too",
		"  · leave GOMAXPROCS alone; size pools from it",
		"",
		"Next:",
		"  · the book: b here, or `go run ./cmd/kata book` (the myths chapter is a good start)",
		"  · your own code: go test -race -json ./... | go run ./cmd/kata explain",
		"  · CI: go test -race, go vet ./..., goleak in every test that starts goroutines",
		"",
		st.Subtle.Render("l list · b book · q quit"),
	}, "\n")
}
