package tui

import (
	"bytes"
	"cmp"
	"context"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/check"
)

// The golden tests run the real bubbletea loop at 80x24 with colours pinned
// to ASCII and compare the final model's view (not the escape-coded output)
// with testdata/<test>.golden. Regenerate with: go test ./internal/tui -update
func TestScreens(t *testing.T) {
	defer noLeaks(t)
	tests := []struct {
		name    string
		setup   func(f *fakeEngine)
		keys    []string
		waitFor string
		w, h    int  // terminal size; 0 is 80x24
		warm    bool // run the warm-up
	}{
		{name: "welcome", setup: func(f *fakeEngine) { f.state.Welcomed = false }, waitFor: "Press enter"},
		{name: "kata_failing", waitFor: "FAILING"},
		{name: "kata_solved", setup: solved, waitFor: "SOLVED"},
		{name: "kata_failing_60x16", waitFor: "FAILING", w: 60, h: 16},
		{name: "kata_solved_60x16", setup: solved, waitFor: "SOLVED", w: 60, h: 16},
		{name: "kata_first_build", setup: building(true), waitFor: "First race build"},
		{name: "kata_first_build_60x16", setup: building(true), waitFor: "First race build", w: 60, h: 16},
		{name: "kata_warm_build", setup: building(false), waitFor: "building katas/01-wg-ordering"},
		{name: "warmup_first_race", setup: func(f *fakeEngine) {
			f.warmed = make(chan struct{}) // the warm-up runs until the app quits
			f.warmSteps = []WarmStatus{{Race: true, Packages: 214, Std: 182, Building: true}}
		}, warm: true, waitFor: "Getting ready"},
		{name: "list", keys: []string{"l"}, waitFor: "03-ctx-timeout"},
		{name: "hints", keys: []string{"h"}, waitFor: "Nudge"},
		{name: "help", keys: []string{"?"}, waitFor: "EDITOR"},
		{name: "solution", setup: solved, keys: []string{"s"}, waitFor: "Because"},
		{name: "book", keys: []string{"b"}, waitFor: "The chapter"},
		{name: "reset_confirm", keys: []string{"x"}, waitFor: "[y/N]"},
		{name: "done", setup: func(f *fakeEngine) {
			solved(f)
			f.state.Current = "03-ctx-timeout"
			f.state.Solved["01-wg-ordering"], f.state.Solved["02-unclosed-body"] = true, true
		}, keys: []string{"n"}, waitFor: "Well done"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			if tt.setup != nil {
				tt.setup(f)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			opts := testOptions()
			opts.Warm = tt.warm
			tm := teatest.NewTestModel(t, New(ctx, f, opts), teatest.WithInitialTermSize(cmp.Or(tt.w, 80), cmp.Or(tt.h, 24)))
			if len(tt.keys) > 0 {
				teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
					return bytes.Contains(b, []byte("FAILING")) || bytes.Contains(b, []byte("SOLVED"))
				},
					teatest.WithDuration(hangGuard))
				for _, k := range tt.keys {
					tm.Send(keyMsg(k))
				}
			}
			teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(tt.waitFor)) },
				teatest.WithDuration(hangGuard))
			tm.Send(tea.QuitMsg{})
			final := tm.FinalModel(t, teatest.WithFinalTimeout(hangGuard)).(Model)
			final.spinner = spinner.New(spinner.WithSpinner(spinner.Line)) // its first frame, whatever ticked
			golden.RequireEqual(t, []byte(final.View()))
		})
	}
}

// hangGuard only stops a test that hangs; it is no performance bound, so a
// loaded machine never misses it.
const hangGuard = 2 * time.Minute

// building makes the fake's checks stay in a long build, the
// race-instrumented standard library included when firstRace.
func building(firstRace bool) func(f *fakeEngine) {
	return func(f *fakeEngine) {
		b := check.BuildStatus{What: "katas/01-wg-ordering with the race detector", Elapsed: time.Second}
		f.builds = []check.BuildStatus{b}
		if firstRace {
			b.FirstRace, b.Packages, b.Elapsed = true, 182, 12*time.Second
			f.builds = append(f.builds, b)
		} else {
			b.Elapsed = 2 * time.Second
			f.builds = append(f.builds, b)
		}
		f.holdBuild = make(chan struct{}) // the build runs until the app quits
	}
}

// solved makes every run of the fake pass.
func solved(f *fakeEngine) {
	f.verdict = func(k catalog.Kata) check.Verdict {
		return check.Verdict{Kata: k.ID, Outcome: check.Solved, RaceChecked: true, Duration: 1200 * time.Millisecond}
	}
}
