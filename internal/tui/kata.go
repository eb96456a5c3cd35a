package tui

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
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
	m.message = ""
	switch {
	case key.Matches(k, m.keys.Run):
		return m.startCheck()
	case key.Matches(k, m.keys.Next):
		return m.next()
	case key.Matches(k, m.keys.Hint):
		return m.showHints(m.state.HintLevel[kata.ID])
	case key.Matches(k, m.keys.Solution), key.Matches(k, m.keys.Diff):
		return m.openSolution(key.Matches(k, m.keys.Diff))
	case key.Matches(k, m.keys.Book):
		return m.openBook()
	case key.Matches(k, m.keys.List):
		m.screen = screenList
		m.list.sel(m.idx)
	case key.Matches(k, m.keys.Output):
		return m.openOutput()
	case key.Matches(k, m.keys.Up):
		m = m.moveSelection(-1)
	case key.Matches(k, m.keys.Down):
		m = m.moveSelection(1)
	case key.Matches(k, m.keys.Enter):
		return m.openFinding()
	case key.Matches(k, m.keys.Trace):
		return m.openTrace(false)
	case key.Matches(k, m.keys.Route):
		return m.openRoutes()
	case key.Matches(k, m.keys.Edit):
		return m, openEditor(m.opts.Editor, filepath.Join(m.eng.Root(), filepath.FromSlash(kata.Dir), kata.Files[0]))
	case key.Matches(k, m.keys.Reset):
		m.screen = screenConfirmReset
	}
	return m, nil
}

// next moves on to the next kata: never automatic, always a key press.
// After the last kata, with all solved, it closes the workbook.
func (m Model) next() (tea.Model, tea.Cmd) {
	if m.idx < len(m.katas)-1 {
		return m.openKata(m.idx + 1)
	}
	if m.allSolved() {
		m.screen = screenDone
		if m.run.cancel != nil {
			m.run.cancel()
		}
		return m, nil
	}
	m.screen = screenKata
	m.message = "this is the last kata; l lists them all, with the ones still open"
	return m, nil
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
	b.WriteString(st.Title.Render(truncate(fmt.Sprintf("%s · %s", k.ID, k.Title), w)) + "\n")
	solved := fmt.Sprintf("%d of %d solved ", n, len(m.katas))
	if r := m.routeTitle(); r != "" {
		solved = fmt.Sprintf("%s: %d of %d solved ", r, n, len(m.katas))
	}
	bar := ""
	if w >= lipgloss.Width(solved)+m.progress.Width {
		bar = m.progress.ViewAs(float64(n) / float64(len(m.katas)))
	}
	b.WriteString(st.Subtle.Render(solved) + bar + "\n")
	b.WriteString(lipgloss.NewStyle().Width(w).Render(k.Summary) + "\n")
	for _, f := range k.Files {
		b.WriteString("edit: " + m.fileLink(k.Dir+"/"+f) + "\n")
	}
	b.WriteString(m.statusLine() + "\n")
	b.WriteString(m.notes())
	footer := m.footer()
	room := m.height - lipgloss.Height(b.String()) - lipgloss.Height(footer)
	var body string
	if m.solvedNow() {
		body = m.solvedView(w, room)
	} else {
		body = m.findingsView(w, room)
	}
	b.WriteString(body)
	if pad := room - lipgloss.Height(body); body == "" && room > 0 {
		b.WriteString(strings.Repeat("\n", room))
	} else if pad > 0 {
		b.WriteString(strings.Repeat("\n", pad))
	}
	return b.String() + footer
}

// fileLink shows a repo-relative path; with hyperlinks on, an OSC 8 link to
// the absolute file wraps it (outside the styling, so lipgloss does not
// measure the escape).
func (m Model) fileLink(rel string) string {
	shown := m.opts.Styles.Location.Render(rel)
	if !m.opts.Hyperlinks {
		return shown
	}
	abs := filepath.ToSlash(filepath.Join(m.eng.Root(), filepath.FromSlash(rel)))
	if !strings.HasPrefix(abs, "/") {
		abs = "/" + abs // file:///C:/... on Windows
	}
	return "\x1b]8;;file://" + abs + "\x1b\\" + shown + "\x1b]8;;\x1b\\"
}

// solvedNow: the last run of this kata solved it.
func (m Model) solvedNow() bool {
	return !m.run.running && m.run.verdict != nil && m.run.verdict.Outcome == check.Solved
}

// solvedView is the success state: what is unlocked, and how to move on.
func (m Model) solvedView(w, room int) string {
	st := m.opts.Styles
	msg := ""
	if m.message != "" {
		msg = st.Note.Render(m.message) + "\n"
	}
	lines := []string{
		st.Solved.Render("Solved. The solution is unlocked:"),
		"  s  the official solution and why it works",
		"  d  your file next to the solution (a diff)",
		"  b  the book chapter on this bug",
		"  n  the next kata",
	}
	box := st.Box.Render(strings.Join(lines, "\n"))
	if lipgloss.Height(box)+lipgloss.Height(msg) > room || lipgloss.Width(box) > w {
		return msg + st.Solved.Render("Solved: s solution · d diff · b book · n next") + "\n"
	}
	return msg + box + "\n"
}

func (m Model) notes() string {
	st := m.opts.Styles
	var lines []string
	if m.warming && m.warmBuild != nil {
		lines = append(lines, m.warmNote())
	}
	if m.warmErr != nil {
		lines = append(lines, "The warm-up did not finish, so the first check builds what it needs itself (it may take longer): "+
			strings.TrimPrefix(m.warmErr.Error(), "warm-up: "))
	}
	if m.run.running && m.run.build != nil && m.run.build.FirstRace {
		lines = append(lines, firstRaceNote(m.run.build.Packages))
	}
	if m.watchNote != "" {
		lines = append(lines, m.watchNote)
	} else if m.opts.Manual && m.run.verdict == nil {
		lines = append(lines, "manual mode: save, then press r to run the tests")
	}
	if m.run.verdict != nil {
		lines = append(lines, m.run.verdict.Notes...)
	}
	if len(lines) == 0 {
		return ""
	}
	w := max(m.width, 20)
	return st.Note.Width(w).Render(strings.Join(lines, "\n")) + "\n"
}

// warmNote says what the warm-up builds, why, and for how long so far.
func (m Model) warmNote() string {
	s := m.warmBuild
	el := m.opts.Now().Sub(m.warmSince).Round(time.Second)
	if s.Race && s.Std > 0 {
		return fmt.Sprintf("Getting ready (%s): building %d packages with the race detector, %d of them the race-instrumented standard library, "+
			"which is built once per machine and can take several minutes on a small laptop; later checks take seconds.",
			el, s.Packages, s.Std)
	}
	mode := "without the race detector, for go vet"
	if s.Race {
		mode = "with the race detector"
	}
	what := fmt.Sprintf("%d packages", s.Packages)
	if s.Packages == 1 {
		what = "1 package"
	}
	return fmt.Sprintf("Getting ready (%s): building %s the katas' tests import, %s.", el, what, mode)
}

// firstRaceNote explains a check's long first race build.
func firstRaceNote(pkgs int) string {
	what := "the race-instrumented standard library"
	if pkgs > 0 {
		what = fmt.Sprintf("the race-instrumented standard library (%d packages)", pkgs)
	}
	return "First race build on this machine: " + what + " is built once and can take several minutes on a small laptop; " +
		"later checks take seconds. q quits; r or a save starts over."
}

func (m Model) statusLine() string {
	st := m.opts.Styles
	k := m.kata()
	switch {
	case m.run.waiting:
		el := m.opts.Now().Sub(m.warmStart).Round(time.Second)
		return st.Running.Render(fmt.Sprintf("%s waiting for the warm-up to finish, then running the tests… %s", m.spinner.View(), el))
	case m.run.running && m.run.phase == check.PhaseBuilding && m.run.build != nil:
		b := m.run.build
		line := fmt.Sprintf("%s building %s… %s", m.spinner.View(), b.What, b.Elapsed.Round(time.Second))
		return st.Running.Render(lipgloss.NewStyle().Width(max(m.width, 20)).Render(line)) // wrapped, never cut
	case m.run.running:
		what := map[check.Phase]string{check.PhaseBuilding: "building", check.PhaseTesting: "testing", check.PhaseVetting: "vetting"}[m.run.phase]
		if what == "" {
			what = "running"
		}
		el := m.opts.Now().Sub(m.run.started).Round(100 * time.Millisecond)
		return st.Running.Render(fmt.Sprintf("%s %s… %s", m.spinner.View(), what, el))
	case m.run.err != nil:
		return st.Failing.Render("could not run the tests: " + m.run.err.Error())
	case m.solvedNow():
		return st.Solved.Render("✔ SOLVED") + st.Subtle.Render(fmt.Sprintf(" in %s", m.run.verdict.Duration.Round(100*time.Millisecond)))
	case m.run.verdict != nil && m.run.verdict.Outcome == check.Almost:
		return st.Pending.Render("~ ALMOST: the tests pass, but:")
	case m.run.verdict != nil:
		n, word, again := len(m.run.findings), "findings", "Save the file to run again."
		if n == 1 {
			word = "finding"
		}
		if m.opts.Manual {
			again = "Save, then press r to run again."
		}
		return st.Failing.Render(fmt.Sprintf("✘ FAILING — %d %s. %s", n, word, again))
	case m.state.Solved[k.ID]:
		return st.Solved.Render("✔ solved before") + st.Subtle.Render(" — r to run again")
	}
	return st.Pending.Render("pending — r runs the tests")
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
	keys := m.keys.ShortHelp()
	if m.solvedNow() || (m.state.Solved[m.kata().ID] && !m.run.running) {
		keys = m.keys.solvedHelp()
	}
	return fitHelp(m.help, keys, m.width)
}

// fitHelp renders a one-line key help within width: when it does not fit,
// keys are dropped from the middle, never "? help" and "q quit" at the end.
func fitHelp(h help.Model, keys []key.Binding, width int) string {
	h.Width = 0 // measure untruncated
	for len(keys) > 2 && lipgloss.Width(h.ShortHelpView(keys)) > width {
		keys = slices.Delete(slices.Clone(keys), len(keys)-3, len(keys)-2)
	}
	return h.ShortHelpView(keys)
}
