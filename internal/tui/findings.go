package tui

import (
	"fmt"
	"path"
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/gokatas/concurrency/internal/diagnose"
)

// findingGroup is one entry of the findings list: identical findings (same
// kind, place and message) reported by several tests, or several times,
// shown once with a count and the tests that tell them apart.
type findingGroup struct {
	f     diagnose.Finding
	count int
	tests []string
}

// groupFindings merges identical findings, keeping the order of first
// appearance.
func groupFindings(fs []diagnose.Finding) []findingGroup {
	var groups []findingGroup
	for _, f := range fs {
		i := slices.IndexFunc(groups, func(g findingGroup) bool {
			return g.f.Kind == f.Kind && g.f.File == f.File && g.f.Line == f.Line && g.f.Message == f.Message
		})
		if i < 0 {
			groups = append(groups, findingGroup{f: f})
			i = len(groups) - 1
		}
		groups[i].count++
		if f.Test != "" && !slices.Contains(groups[i].tests, f.Test) {
			groups[i].tests = append(groups[i].tests, f.Test)
		}
	}
	return groups
}

// header is a group's first line: kind, place and count.
func (g findingGroup) header() string {
	h := strings.ToUpper(string(g.f.Kind))
	if w := where(g.f); w != "" {
		h += " " + w
	}
	if g.count > 1 {
		h += fmt.Sprintf(" ×%d", g.count)
	}
	return h
}

// testsLine names the test that reported a group, what tells it apart from
// the others ("" when no test did).
func (g findingGroup) testsLine() string {
	switch len(g.tests) {
	case 0:
		return ""
	case 1:
		return "in " + g.tests[0]
	}
	return fmt.Sprintf("in %s and %d more", g.tests[0], len(g.tests)-1)
}

// render draws a group wrapped at w (never cut): header and message, and
// with full the details and the cause too.
func (m Model) renderGroup(g findingGroup, w int, selected, full bool) string {
	st := m.opts.Styles
	mark := "  "
	if selected {
		mark = "▸ "
	}
	var b strings.Builder
	b.WriteString(st.Kind.Width(w).Render(mark+g.header()) + "\n")
	if tl := g.testsLine(); tl != "" {
		b.WriteString(st.Subtle.Width(w).PaddingLeft(4).Render(tl) + "\n")
	}
	b.WriteString(lipgloss.NewStyle().Width(w).PaddingLeft(4).Render(g.f.Message) + "\n")
	if !full {
		return b.String()
	}
	for _, c := range g.f.Causes {
		b.WriteString(st.Detail.Width(w).PaddingLeft(4).Render("cause: "+c.String()) + "\n")
	}
	for _, d := range g.f.Details {
		b.WriteString(st.Detail.Width(w).PaddingLeft(4).Render("· "+d) + "\n")
	}
	return b.String()
}

// findingsView renders the findings of the last run in at most room lines,
// every line wrapped, none cut: the selected one with its details, the
// others with their message; when they do not fit, a window around the
// selected one with counts of the rest above and below.
func (m Model) findingsView(w, room int) string {
	st := m.opts.Styles
	var msg string
	if m.message != "" {
		msg = st.Note.Width(w).Render(m.message) + "\n"
		room -= lipgloss.Height(msg)
	}
	groups := groupFindings(m.run.findings)
	if len(groups) == 0 || room < 2 {
		return msg
	}
	sel := min(max(m.sel, 0), len(groups)-1)
	parts := make([]string, len(groups))
	for i, g := range groups {
		parts[i] = m.renderGroup(g, w, i == sel && len(groups) > 1, i == sel)
	}
	hint := ""
	if len(groups) > 1 {
		hint = st.Subtle.Render("↑/↓ choose a finding · enter its details and output") + "\n"
	}
	if all := strings.Join(parts, ""); lipgloss.Height(all+hint) <= room {
		return msg + all + hint
	}
	// A window around the selected finding.
	lo, hi := sel, sel+1
	height := func(lo, hi int) int {
		h := lipgloss.Height(strings.Join(parts[lo:hi], "")) + 1 // the hint
		if lo > 0 {
			h++
		}
		if hi < len(parts) {
			h++
		}
		return h
	}
	if height(lo, hi) > room { // too tall with details: without them
		parts[sel] = m.renderGroup(groups[sel], w, len(groups) > 1, false)
	}
	if height(lo, hi) > room { // still too tall: its first lines, the rest on enter
		lines := strings.Split(strings.TrimSuffix(parts[sel], "\n"), "\n")
		keep := max(room-height(lo, hi)+len(lines)-1, 1)
		parts[sel] = strings.Join(lines[:min(keep, len(lines))], "\n") + "\n" +
			st.Subtle.Render("(enter shows all of it)") + "\n"
	}
	for grew := true; grew; {
		grew = false
		if hi < len(parts) && height(lo, hi+1) <= room {
			hi, grew = hi+1, true
		}
		if lo > 0 && height(lo-1, hi) <= room {
			lo, grew = lo-1, true
		}
	}
	var b strings.Builder
	if lo > 0 {
		b.WriteString(st.Subtle.Render(fmt.Sprintf("↑ %d more above", lo)) + "\n")
	}
	b.WriteString(strings.Join(parts[lo:hi], ""))
	if hi < len(parts) {
		b.WriteString(st.Subtle.Render(fmt.Sprintf("↓ %d more below", len(parts)-hi)) + "\n")
	}
	return msg + b.String() + hint
}

// moveSelection moves the selected finding by delta, within the list.
func (m Model) moveSelection(delta int) Model {
	n := len(groupFindings(m.run.findings))
	m.sel = min(max(m.sel+delta, 0), max(n-1, 0))
	return m
}

// openFinding shows the selected finding whole, then the raw output
// around where the run reported it.
func (m Model) openFinding() (tea.Model, tea.Cmd) {
	groups := groupFindings(m.run.findings)
	if len(groups) == 0 {
		return m.openOutput()
	}
	g := groups[min(max(m.sel, 0), len(groups)-1)]
	var b strings.Builder
	b.WriteString(g.header() + "\n")
	if tl := g.testsLine(); tl != "" {
		b.WriteString(tl + "\n")
	}
	b.WriteString("\n" + g.f.Message + "\n")
	for _, c := range g.f.Causes {
		b.WriteString("\ncause: " + c.String() + "\n")
	}
	for _, d := range g.f.Details {
		b.WriteString("  · " + d + "\n")
	}
	if len(g.tests) > 0 {
		b.WriteString("\nreported by: " + strings.Join(g.tests, ", ") + "\n")
	}
	if around := outputAround(m.run.lines, g.f); around != "" {
		b.WriteString("\nthe raw output around it:\n\n" + around)
	}
	m.screen = screenOutput
	cmd := m.output.pager.load(screenOutput, m.kata().ID+" · "+strings.ToLower(string(g.f.Kind))+" finding", plainAt(b.String()))
	return m, cmd
}

// outputAround returns the lines of raw output near the first one that
// names the finding's file and line (or, failing that, its test).
func outputAround(lines []string, f diagnose.Finding) string {
	const before, after = 6, 18
	needles := []string{}
	if f.File != "" && f.Line > 0 {
		needles = append(needles, fmt.Sprintf("%s:%d", path.Base(f.File), f.Line))
	}
	if f.Test != "" {
		needles = append(needles, f.Test)
	}
	for _, needle := range needles {
		for i, l := range lines {
			if strings.Contains(l, needle) {
				lo, hi := max(i-before, 0), min(i+after, len(lines))
				return strings.Join(lines[lo:hi], "\n") + "\n"
			}
		}
	}
	return ""
}
