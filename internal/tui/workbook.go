package tui

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/check"
	"github.com/gokatas/concurrency/internal/progress"
	"github.com/gokatas/concurrency/internal/timeline"
	"github.com/gokatas/concurrency/internal/workbook"
)

// NewEngine is the real Engine: the opened workbook (catalog, progress,
// originals) and the checker that runs a kata's tests.
func NewEngine(w *workbook.Workbook, r *check.Runner) Engine {
	return &workbookEngine{w: w, runner: r}
}

// workbookEngine adapts internal/workbook to the app's Engine; every
// learner-facing operation is the workbook's, this only translates.
type workbookEngine struct {
	w      *workbook.Workbook
	runner *check.Runner
}

func (t *workbookEngine) Root() string                           { return t.w.Catalog.Root }
func (t *workbookEngine) Katas() []catalog.Kata                  { return t.w.Catalog.Katas }
func (t *workbookEngine) Routes() ([]catalog.Route, error)       { return t.w.Catalog.Routes() }
func (t *workbookEngine) Hints(k catalog.Kata) ([]string, error) { return t.w.Catalog.Hints(k) }

func (t *workbookEngine) Load() (State, error) {
	s, err := t.w.Store.Load()
	if err != nil {
		return State{}, err
	}
	out := State{Current: s.Current, Welcomed: s.Welcomed, Route: s.Route,
		Solved: map[string]bool{}, HintLevel: map[string]int{}, Unlocked: map[string]bool{}}
	for id, k := range s.Katas {
		out.Solved[id] = k.Solved
		out.Unlocked[id] = k.SolutionUnlocked()
		out.HintLevel[id] = k.HintLevel
	}
	return out, nil
}

// update saves one change to the learner's progress.
func (t *workbookEngine) update(change func(s *progress.State)) error {
	_, err := t.w.Store.Update(func(s *progress.State) error { change(s); return nil })
	return err
}

func (t *workbookEngine) SetCurrent(id string) error {
	return t.update(func(s *progress.State) { s.Current = id })
}

func (t *workbookEngine) SetRoute(id string) error {
	return t.update(func(s *progress.State) { s.Route = id })
}

func (t *workbookEngine) MarkWelcomed() error {
	return t.update(func(s *progress.State) { s.Welcomed = true })
}

func (t *workbookEngine) SetHintLevel(k catalog.Kata, level int) error {
	return t.update(func(s *progress.State) {
		p := s.Kata(k.ID)
		p.HintLevel = max(p.HintLevel, level)
	})
}

func (t *workbookEngine) Check(ctx context.Context, k catalog.Kata, updates chan<- check.Update) (check.Verdict, error) {
	v, err := t.runner.Run(ctx, k, updates)
	if err != nil {
		return v, err
	}
	_, err = t.w.Record(k, v)
	return v, err
}

func (t *workbookEngine) Solution(k catalog.Kata) (Solution, error) {
	s, err := t.w.Solution(k)
	if err != nil {
		return Solution{}, err
	}
	return Solution{Code: s.Code(), Diff: s.Diff(), Explanation: s.Explanation, WrongFixes: s.WrongFixes}, nil
}

func (t *workbookEngine) Chapter(k catalog.Kata) (string, error) {
	data, err := os.ReadFile(t.w.Catalog.Path(k.Chapter))
	if err != nil {
		return "", fmt.Errorf("book: %w", err)
	}
	return string(data), nil
}

func (t *workbookEngine) Reset(ctx context.Context, k catalog.Kata) (string, error) {
	done, err := t.w.Reset(ctx, []catalog.Kata{k}, time.Now())
	if err != nil {
		return "", err
	}
	return done[0].String(), nil
}

// Warm builds what the katas' race builds need and the cache lacks
// (workbook.WarmSteps, shared with kata doctor), reporting each step.
func (t *workbookEngine) Warm(ctx context.Context, report func(WarmStatus)) error {
	if !t.runner.Race {
		return nil
	}
	return workbook.WarmSteps(ctx, t.w.Catalog.Root, "go", func(s workbook.WarmStep) {
		report(WarmStatus{Race: s.Race, Packages: s.Packages, Std: s.Std, Building: s.Building})
	})
}

func (t *workbookEngine) Trace(ctx context.Context, k catalog.Kata, shipped bool) (*timeline.Timeline, error) {
	tr, err := t.w.Trace(ctx, t.runner, k, shipped, check.TraceOptions{})
	return tr.Timeline, err
}
