package tui

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/check"
	"github.com/gokatas/concurrency/internal/diagnose"
	"github.com/gokatas/concurrency/internal/timeline"
)

// fakeEngine is an in-memory Engine: verdicts come from a function the test
// sets, and it records what the app asked of it.
type fakeEngine struct {
	mu       sync.Mutex
	katas    []catalog.Kata
	state    State
	verdict  func(k catalog.Kata) check.Verdict
	checks   int
	resets   int
	current  []string
	hintSets []int
	// block makes Check wait for its context after the phases; cancelled
	// counts the checks that ended that way.
	block     bool
	cancelled int
	// panics makes Check panic.
	panics bool
	// warmed is closed by the test to let Warm return; before it waits,
	// Warm reports warmSteps; it returns warmErr.
	warmed    chan struct{}
	warmSteps []WarmStatus
	warmErr   error
	warms     int
	// builds are sent as Build updates while the fake check builds;
	// holdBuild, when set, makes the check wait after them until it is
	// closed (or the check's context ends).
	builds    []check.BuildStatus
	holdBuild chan struct{}
}

func newFake() *fakeEngine {
	var katas []catalog.Kata
	for i, slug := range []string{"wg-ordering", "unclosed-body", "ctx-timeout"} {
		id := fmt.Sprintf("%02d-%s", i+1, slug)
		katas = append(katas, catalog.Kata{ID: id, Number: i + 1, Slug: slug, Title: "Title of " + slug,
			Summary: "Fix the " + slug + " bug.", Files: []string{"main.go"}, Minutes: 15, Dir: "katas/" + id,
			SolutionDir: "solutions/" + id, Chapter: "book/" + id + ".md"})
	}
	return &fakeEngine{
		katas: katas,
		state: State{Solved: map[string]bool{}, HintLevel: map[string]int{}, Welcomed: true},
		verdict: func(k catalog.Kata) check.Verdict {
			return check.Verdict{Kata: k.ID, Outcome: check.Failing, RaceChecked: true, Findings: []diagnose.Finding{
				{Kind: diagnose.KindRace, Message: "data race: write at " + k.Dir + "/main.go:42 conflicts with the previous read at " + k.Dir + "/main.go:57",
					Location: diagnose.Location{File: k.Dir + "/main.go", Line: 42}, Details: []string{"write by goroutine 7", "previous read by goroutine 6"}},
				{Kind: diagnose.KindLeak, Message: "a goroutine is still running after the test (sending on a channel nobody receives from)",
					Location: diagnose.Location{File: k.Dir + "/main.go", Line: 61}},
			}}
		},
	}
}

func (f *fakeEngine) Root() string          { return "/work/book" }
func (f *fakeEngine) Katas() []catalog.Kata { return f.katas }
func (f *fakeEngine) Load() (State, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.state, nil
}
func (f *fakeEngine) SetCurrent(id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.current = append(f.current, id)
	return nil
}
func (f *fakeEngine) MarkWelcomed() error { return nil }
func (f *fakeEngine) Check(ctx context.Context, k catalog.Kata, updates chan<- check.Update) (check.Verdict, error) {
	defer close(updates)
	f.mu.Lock()
	f.checks++
	verdict, block, panics, builds, hold := f.verdict, f.block, f.panics, f.builds, f.holdBuild
	f.mu.Unlock()
	if panics {
		panic("boom")
	}
	send := func(u check.Update) {
		select {
		case updates <- u:
		case <-ctx.Done():
		}
	}
	send(check.Update{Phase: check.PhaseBuilding})
	for _, b := range builds {
		send(check.Update{Build: &b})
	}
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
		}
	}
	send(check.Update{Phase: check.PhaseTesting})
	if block {
		<-ctx.Done()
	}
	if ctx.Err() != nil {
		f.mu.Lock()
		f.cancelled++
		f.mu.Unlock()
		return check.Verdict{}, ctx.Err()
	}
	return verdict(k), nil
}
func (f *fakeEngine) Hints(k catalog.Kata) ([]string, error) {
	return []string{"## Nudge\nLook at the counter.", "## More\nWhere is Add?", "## Answer\nUse wg.Go."}, nil
}
func (f *fakeEngine) SetHintLevel(k catalog.Kata, level int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hintSets = append(f.hintSets, level)
	return nil
}
func (f *fakeEngine) Solution(k catalog.Kata) (Solution, error) {
	return Solution{Code: "package main\n", Diff: "--- a\n+++ b\n", Explanation: "# Why\nBecause.",
		WrongFixes: "# Fixes that look right and are not, and why\n\n## A sleep before Wait\n\nSleeping orders nothing.\n"}, nil
}
func (f *fakeEngine) Chapter(k catalog.Kata) (string, error) {
	return "# " + k.ID + "\nThe chapter.", nil
}
func (f *fakeEngine) Reset(ctx context.Context, k catalog.Kata) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.resets++
	return k.ID + " reset", nil
}

// Routes are a whole route and a short one (kata 02 only).
func (f *fakeEngine) Routes() ([]catalog.Route, error) {
	var all []string
	for _, k := range f.katas {
		all = append(all, k.ID)
	}
	return []catalog.Route{
		{ID: "self-study", Title: "Self-study", About: "every kata", Katas: all},
		{ID: "short", Title: "Short workshop", About: "one kata", Katas: []string{"02-unclosed-body"}},
	}, nil
}

func (f *fakeEngine) SetRoute(id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.state.Route = id
	return nil
}

// Trace reads a fixture trace of a real kata run: kata 01 as shipped, or
// kata 05 solved for the learner's run.
func (f *fakeEngine) Trace(ctx context.Context, k catalog.Kata, shipped bool) (*timeline.Timeline, error) {
	name, pkg := "05-solved", "github.com/gokatas/concurrency/katas/05-gomaxprocs"
	if shipped {
		name, pkg = "01-buggy", "github.com/gokatas/concurrency/katas/01-wg-ordering"
	}
	file, err := os.Open(filepath.Join("..", "timeline", "testdata", name+".trace"))
	if err != nil {
		return nil, err
	}
	defer file.Close()
	return timeline.Read(file, pkg)
}

func (f *fakeEngine) Warm(ctx context.Context, report func(WarmStatus)) error {
	f.mu.Lock()
	f.warms++
	ch, steps, err := f.warmed, f.warmSteps, f.warmErr
	f.mu.Unlock()
	for _, s := range steps {
		report(s)
	}
	if ch != nil {
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return err
}

func (f *fakeEngine) count() (checks, resets int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.checks, f.resets
}

// testOptions pins colours off (ASCII) and time, for plain, stable views.
func testOptions() Options {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return Options{Styles: NewStyles(r), Manual: true, Markdown: NewMarkdown("ascii"), Now: func() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) }}
}
