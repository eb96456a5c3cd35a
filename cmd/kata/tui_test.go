package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gokatas/concurrency/internal/check"
	"github.com/gokatas/concurrency/internal/tui"
)

// TestTUIEndToEnd drives the app with the real engine on a temporary copy of
// the workbook: kata 01 fails with a race at the learner's line; the
// solution is copied in; the watcher re-runs the tests; the kata is solved
// and its solution unlocked; n opens the next kata.
func TestTUIEndToEnd(t *testing.T) {
	// teatest.NewTestModel leaves a goroutine waiting for SIGINT (teatest.go).
	defer noLeaks(t)
	h := newHarness(t)
	e := &env{stdout: io.Discard, stderr: io.Discard, dir: h.root, getenv: func(k string) string {
		if k == "KATA_STATE_DIR" {
			return h.state
		}
		return ""
	}}
	w, err := openWorkbook(e)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(w.cat.Katas), 2, "the harness copies two katas")
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	model := tui.New(ctx, tui.NewEngine(w.Workbook, &check.Runner{Root: w.cat.Root, Race: true}),
		tui.Options{Styles: tui.NewStyles(r), Markdown: tui.NewMarkdown("ascii"), Warm: true})
	tm := teatest.NewTestModel(t, model, teatest.WithInitialTermSize(100, 40))
	// A failed wait ends the test early: stop the app then too, so that
	// its goroutines are not reported as leaks by this and later tests.
	defer func() { _ = tm.Quit() }()
	waitFor := func(what string, d time.Duration) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(what)) },
			teatest.WithDuration(d), teatest.WithCheckInterval(50*time.Millisecond))
	}
	waitFor("Press enter", 10*time.Second)
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitFor("RACE katas/01-wg-ordering/prices.go:", 90*time.Second)

	solution, err := os.ReadFile(filepath.Join(h.root, "solutions/01-wg-ordering/prices.go"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(h.root, "katas/01-wg-ordering/prices.go"), solution, 0o644))
	waitFor("SOLVED", 60*time.Second)

	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("s")})
	waitFor("why it works", 10*time.Second)
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("d")})
	waitFor("identical to the solution", 10*time.Second)
	tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("n")})
	next := w.cat.Katas[1].ID
	waitFor(next+" · ", 10*time.Second)
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(30*time.Second))
	assert.Contains(t, final.View(), next)

	s, err := w.Store.Load()
	require.NoError(t, err)
	assert.True(t, s.Solved("01-wg-ordering"), "the solve is saved")
	assert.Equal(t, next, s.Current)
}
