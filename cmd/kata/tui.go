package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/check"
	"github.com/gokatas/concurrency/internal/progress"
	"github.com/gokatas/concurrency/internal/timeline"
	"github.com/gokatas/concurrency/internal/tui"
	"github.com/gokatas/concurrency/internal/watch"
	wbook "github.com/gokatas/concurrency/internal/workbook"
)

// runTUI opens the guided app: `kata [--manual] [--poll] [--route ROUTE]` in a terminal.
func runTUI(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("kata", flag.ContinueOnError)
	manual := fs.Bool("manual", false, "do not watch files: press r to run the tests")
	poll := fs.Bool("poll", false, "watch files by polling (for WSL's /mnt and network mounts)")
	route := fs.String("route", "", "walk the katas along `ROUTE` (self-study, workshop, onboarding; see katas/routes.json)")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	w, err := openWorkbook(e)
	if err != nil {
		return err
	}
	if *route != "" {
		if err := checkRoute(e, *route); err != nil {
			return err
		}
	}
	runner, err := newRunner(ctx, e, w.cat.Root)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	renderer := lipgloss.NewRenderer(os.Stdout)
	style := "dark"
	if e.getenv("NO_COLOR") != "" {
		renderer.SetColorProfile(termenv.Ascii)
		style = "ascii"
	} else if !renderer.HasDarkBackground() {
		style = "light"
	}
	opts := tui.Options{
		Styles:     tui.NewStyles(renderer),
		Markdown:   tui.NewMarkdown(style),
		Manual:     *manual,
		Hyperlinks: true,
		Editor:     e.getenv("EDITOR"),
		Warm:       true,
		Route:      *route,
	}
	if *poll {
		opts.WatchMode = watch.Polling
	}
	model := tui.New(ctx, &tuiEngine{w: w, runner: runner}, opts)
	final, err := tea.NewProgram(model, tea.WithAltScreen(), tea.WithContext(ctx),
		// The renderer wakes up fps times a second even when idle; the
		// spinner needs 10.
		tea.WithFPS(20)).Run()
	// Stop what still runs (the engine kills a test's process group when
	// its context ends) and give it a moment, so no test outlives the app.
	cancel()
	if m, ok := final.(tui.Model); ok {
		m.Wait(5 * time.Second)
	} else {
		model.Wait(5 * time.Second)
	}
	switch {
	case errors.Is(err, tea.ErrProgramPanic):
		// bubbletea caught it, restored the terminal and printed the stack.
		return fmt.Errorf("the app crashed (your files and progress are safe; please report the trace above): %w", err)
	case errors.Is(err, tea.ErrInterrupted):
		return &exitError{code: exitSIGINT}
	case err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled):
		return fmt.Errorf("tui: %w", err)
	}
	return nil
}

// tuiEngine adapts the workbook to the TUI's Engine.
type tuiEngine struct {
	w      *workbook
	runner *check.Runner
}

func (t *tuiEngine) Root() string          { return t.w.cat.Root }
func (t *tuiEngine) Katas() []catalog.Kata { return t.w.cat.Katas }

func (t *tuiEngine) Load() (tui.State, error) {
	s, err := t.w.Store.Load()
	if err != nil {
		return tui.State{}, err
	}
	out := tui.State{Current: s.Current, Welcomed: s.Welcomed, Route: s.Route,
		Solved: map[string]bool{}, HintLevel: map[string]int{}, Unlocked: map[string]bool{}}
	for id, k := range s.Katas {
		out.Solved[id] = k.Solved
		out.Unlocked[id] = k.SolutionUnlocked()
		out.HintLevel[id] = k.HintLevel
	}
	return out, nil
}

func (t *tuiEngine) SetCurrent(id string) error {
	_, err := t.w.Store.Update(func(s *progress.State) error { s.Current = id; return nil })
	return err
}

func (t *tuiEngine) Routes() ([]catalog.Route, error) { return t.w.cat.Routes() }

func (t *tuiEngine) SetRoute(id string) error {
	_, err := t.w.Store.Update(func(s *progress.State) error { s.Route = id; return nil })
	return err
}

func (t *tuiEngine) MarkWelcomed() error {
	_, err := t.w.Store.Update(func(s *progress.State) error { s.Welcomed = true; return nil })
	return err
}

func (t *tuiEngine) Check(ctx context.Context, k catalog.Kata, updates chan<- check.Update) (check.Verdict, error) {
	v, err := t.runner.Run(ctx, k, updates)
	if err != nil {
		return v, err
	}
	_, err = t.w.Record(k, v)
	return v, err
}

func (t *tuiEngine) Hints(k catalog.Kata) ([]string, error) { return t.w.cat.Hints(k) }

func (t *tuiEngine) SetHintLevel(k catalog.Kata, level int) error {
	_, err := t.w.Store.Update(func(s *progress.State) error {
		p := s.Kata(k.ID)
		p.HintLevel = max(p.HintLevel, level)
		return nil
	})
	return err
}

func (t *tuiEngine) Solution(k catalog.Kata) (tui.Solution, error) {
	s, err := t.w.Solution(k)
	if err != nil {
		return tui.Solution{}, err
	}
	return tui.Solution{Code: s.Code(), Diff: s.Diff(), Explanation: s.Explanation, WrongFixes: s.WrongFixes}, nil
}

func (t *tuiEngine) Chapter(k catalog.Kata) (string, error) {
	data, err := os.ReadFile(t.w.cat.Path(k.Chapter))
	if err != nil {
		return "", fmt.Errorf("book: %w", err)
	}
	return string(data), nil
}

func (t *tuiEngine) Reset(ctx context.Context, k catalog.Kata) (string, error) {
	done, err := t.w.Reset(ctx, []catalog.Kata{k}, time.Now())
	if err != nil {
		return "", err
	}
	return done[0].String(), nil
}

// Warm builds what the katas' race builds need and the cache lacks
// (workbook.Warm, shared with kata doctor), reporting each step.
func (t *tuiEngine) Warm(ctx context.Context, report func(tui.WarmStatus)) error {
	if !t.runner.Race {
		return nil
	}
	return wbook.WarmSteps(ctx, t.w.cat.Root, "go", func(s wbook.WarmStep) {
		report(tui.WarmStatus{Race: s.Race, Packages: s.Packages, Std: s.Std, Building: s.Building})
	})
}

// Trace runs the kata's tests once with the execution tracer (check.Trace),
// on the learner's files or, shipped, on the kata as shipped.
func (t *tuiEngine) Trace(ctx context.Context, k catalog.Kata, shipped bool) (*timeline.Timeline, error) {
	var overlay map[string]string
	if shipped {
		dir, err := os.MkdirTemp("", "kata-shipped-")
		if err != nil {
			return nil, fmt.Errorf("trace: %w", err)
		}
		defer os.RemoveAll(dir)
		if overlay, _, err = wbook.ShippedOverlay(ctx, t.w.cat, k, t.w.StateDir, dir); err != nil {
			return nil, fmt.Errorf("trace: %w", err)
		}
	}
	tr, err := t.runner.Trace(ctx, k, check.TraceOptions{Overlay: overlay})
	return tr.Timeline, err
}
