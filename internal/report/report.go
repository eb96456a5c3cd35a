// Package report renders a diagnosis for people (plain text, optionally
// coloured) and for programs (one JSON document, with a schema version),
// and an attempt's verdict and build progress for people. Rendering is
// pure: data in, string or bytes out; the caller decides where they go.
// The one writer is Stream, which shows findings as a run produces them.
package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/gokatas/concurrency/internal/diagnose"
	"github.com/muesli/termenv"
)

// Options control the text rendering.
type Options struct {
	// Color turns on ANSI colours (see ColorEnabled for when to).
	Color bool
	// Tests adds one line per test that did not pass.
	Tests bool
}

// ColorEnabled says whether to colour output going to a terminal (isTTY)
// under the environment read by getenv: never with NO_COLOR set (any
// value, https://no-color.org) or TERM=dumb, never when not a terminal.
func ColorEnabled(isTTY bool, getenv func(string) string) bool {
	if !isTTY || getenv == nil {
		return false
	}
	if _, ok := lookup(getenv, "NO_COLOR"); ok {
		return false
	}
	return getenv("TERM") != "dumb"
}

// lookup treats a non-empty value as set: getenv cannot tell an empty
// variable from a missing one, and NO_COLOR= is commonly left empty to
// mean "unset".
func lookup(getenv func(string) string, name string) (string, bool) {
	v := getenv(name)
	return v, v != ""
}

// styles are the colours of one rendering; all zero (plain) without colour.
type styles struct {
	kind    map[diagnose.Kind]lipgloss.Style
	loc     lipgloss.Style
	detail  lipgloss.Style
	ok, bad lipgloss.Style
	on      bool // colour is on
}

func newStyles(color bool) styles {
	s := styles{kind: map[diagnose.Kind]lipgloss.Style{}, on: color}
	if !color {
		return s
	}
	// A renderer with a fixed profile, so the output does not depend on
	// the process's terminal: rendering stays pure.
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI256)
	red, yellow, magenta := lipgloss.Color("9"), lipgloss.Color("11"), lipgloss.Color("13")
	for k, c := range map[diagnose.Kind]lipgloss.Color{
		diagnose.KindRace: red, diagnose.KindLeak: magenta, diagnose.KindDeadlock: red,
		diagnose.KindTimeout: red, diagnose.KindPanic: red, diagnose.KindBuild: red,
		diagnose.KindVet: yellow, diagnose.KindAssertion: yellow,
	} {
		s.kind[k] = r.NewStyle().Bold(true).Foreground(c)
	}
	s.loc = r.NewStyle().Foreground(lipgloss.Color("14"))
	s.detail = r.NewStyle().Faint(true)
	s.ok = r.NewStyle().Bold(true).Foreground(lipgloss.Color("10"))
	s.bad = r.NewStyle().Bold(true).Foreground(red)
	return s
}

func (s styles) kindStyle(k diagnose.Kind) lipgloss.Style {
	if st, ok := s.kind[k]; ok {
		return st
	}
	return lipgloss.NewStyle()
}

// Where writes a location as "file:line" (or "file:line:col"); "" for none.
func Where(l diagnose.Location) string { return l.String() }

// Findings renders findings, one block each: a head line
// "kind  file:line  message" and the details indented under it.
func Findings(fs []diagnose.Finding, opts Options) string {
	st := newStyles(opts.Color)
	width := 0
	for _, f := range fs {
		width = max(width, len(f.Kind))
	}
	var b strings.Builder
	for i, f := range fs {
		if i > 0 {
			b.WriteByte('\n')
		}
		writeFinding(&b, f, width, st)
	}
	return b.String()
}

// Finding renders one finding as a block (see Findings).
func Finding(f diagnose.Finding, opts Options) string {
	var b strings.Builder
	writeFinding(&b, f, len(f.Kind), newStyles(opts.Color))
	return b.String()
}

func writeFinding(b *strings.Builder, f diagnose.Finding, width int, st styles) {
	kind := string(f.Kind) + strings.Repeat(" ", width-len(f.Kind))
	b.WriteString(st.paint(st.kindStyle(f.Kind), kind))
	if w := Where(f.Location); w != "" {
		b.WriteString("  " + st.paint(st.loc, w))
	}
	b.WriteString("  " + oneLine(f.Message) + "\n")
	indent := strings.Repeat(" ", width+2)
	if f.Test != "" {
		b.WriteString(indent + st.paint(st.detail, "in "+f.Test) + "\n")
	}
	for _, d := range f.Details {
		b.WriteString(indent + st.paint(st.detail, oneLine(d)) + "\n")
	}
	for _, c := range f.Causes {
		b.WriteString(indent + st.paint(st.loc, "cause:") + " " + oneLine(c.String()) + "\n")
	}
}

// paint applies a style when colour is on.
func (s styles) paint(st lipgloss.Style, text string) string {
	if !s.on {
		return text
	}
	return st.Render(text)
}

// oneLine keeps a message on its line: a finding's text comes from program
// output and may hold newlines or tabs.
func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\t", " ")
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", " ⏎ ")
}

// Summary is the one-line verdict of a run: what failed, or that it passed.
func Summary(r diagnose.Result) string {
	var failed, passed, skipped, incomplete int
	for _, t := range r.Tests {
		switch t.Outcome {
		case "pass":
			passed++
		case "skip":
			skipped++
		case "incomplete":
			incomplete++
		default:
			failed++
		}
	}
	var parts []string
	if n := len(r.Findings); n > 0 {
		parts = append(parts, diagnose.Count(n, "finding")+" ("+countKinds(r.Findings)+")")
	}
	switch {
	case r.BuildFailed:
		parts = append(parts, "the package does not compile")
	case len(r.Tests) > 0:
		t := diagnose.Count(passed, "test") + " passed"
		if failed > 0 {
			t += ", " + strconv.Itoa(failed) + " failed"
		}
		if incomplete > 0 {
			t += ", " + strconv.Itoa(incomplete) + " never finished"
		}
		if skipped > 0 {
			t += ", " + strconv.Itoa(skipped) + " skipped"
		}
		parts = append(parts, t)
	}
	if !r.Complete {
		parts = append(parts, "the run was cut short (no end event)")
	}
	verdict := "FAIL"
	if r.Passed && len(r.Findings) == 0 {
		verdict = "PASS"
	}
	if len(parts) == 0 {
		parts = append(parts, "no tests ran")
	}
	return verdict + ": " + strings.Join(parts, "; ")
}

// countKinds writes "1 race, 2 leak" in order of first appearance.
func countKinds(fs []diagnose.Finding) string {
	counts := map[diagnose.Kind]int{}
	var order []diagnose.Kind
	for _, f := range fs {
		if counts[f.Kind] == 0 {
			order = append(order, f.Kind)
		}
		counts[f.Kind]++
	}
	s := make([]string, len(order))
	for i, k := range order {
		s[i] = strconv.Itoa(counts[k]) + " " + string(k)
	}
	return strings.Join(s, ", ")
}

// Text renders a whole result: every finding, then Footer.
func Text(r diagnose.Result, opts Options) string {
	if len(r.Findings) == 0 {
		return Footer(r, opts)
	}
	return Findings(r.Findings, opts) + "\n" + Footer(r, opts)
}

// Footer renders what follows the findings: (with opts.Tests) one line per
// test that did not pass, then the Summary line.
func Footer(r diagnose.Result, opts Options) string {
	st := newStyles(opts.Color)
	var b strings.Builder
	if opts.Tests {
		for _, t := range r.Tests {
			if t.Outcome != "pass" && t.Outcome != "skip" {
				fmt.Fprintf(&b, "%-10s  %s\n", t.Outcome, t.Name)
			}
		}
	}
	verdict, rest, _ := strings.Cut(Summary(r), ":")
	style := st.bad
	if verdict == "PASS" {
		style = st.ok
	}
	b.WriteString(st.paint(style, verdict) + ":" + rest + "\n")
	return b.String()
}

// Schema is the version of the JSON document JSON writes; it changes when
// a field does, so scripts notice.
const Schema = 1

// Document is the JSON form of a result, with stable snake_case names and
// arrays that are never null.
type Document struct {
	// Schema is the document's version (Schema).
	Schema      int                   `json:"schema"`
	Passed      bool                  `json:"passed"`
	Complete    bool                  `json:"complete"`
	BuildFailed bool                  `json:"build_failed"`
	Summary     string                `json:"summary"`
	Findings    []diagnose.Finding    `json:"findings"`
	Tests       []diagnose.TestResult `json:"tests"`
}

// NewDocument converts a result to its JSON form.
func NewDocument(r diagnose.Result) Document {
	d := Document{
		Schema: Schema, Passed: r.Passed && len(r.Findings) == 0, Complete: r.Complete, BuildFailed: r.BuildFailed,
		Summary: Summary(r), Findings: r.Findings, Tests: r.Tests,
	}
	if d.Findings == nil {
		d.Findings = []diagnose.Finding{}
	}
	if d.Tests == nil {
		d.Tests = []diagnose.TestResult{}
	}
	return d
}

// JSON renders a result as one indented JSON document ending in a newline.
func JSON(r diagnose.Result) ([]byte, error) {
	b, err := json.MarshalIndent(NewDocument(r), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode report: %w", err)
	}
	return append(b, '\n'), nil
}

// Stream writes findings to w one block at a time, a blank line between,
// flushing each as it comes, so a reader sees them while a run goes on
// (kata explain).
type Stream struct {
	w     *bufio.Writer
	opts  Options
	shown int
}

// NewStream writes to w in the looks of opts.
func NewStream(w io.Writer, opts Options) *Stream {
	return &Stream{w: bufio.NewWriter(w), opts: opts}
}

// Show writes one finding and flushes it.
func (s *Stream) Show(f diagnose.Finding) error {
	s.write(f)
	return s.w.Flush()
}

// write adds one finding's block.
func (s *Stream) write(f diagnose.Finding) {
	if s.shown > 0 {
		s.w.WriteByte('\n')
	}
	s.w.WriteString(Finding(f, s.opts))
	s.shown++
}

// End writes the findings of r not shown yet and the footer, and flushes.
func (s *Stream) End(r diagnose.Result) error {
	for _, f := range r.Findings[min(s.shown, len(r.Findings)):] {
		s.write(f)
	}
	if s.shown > 0 {
		s.w.WriteByte('\n')
	}
	s.w.WriteString(Footer(r, Options{Color: s.opts.Color, Tests: true}))
	return s.w.Flush()
}
