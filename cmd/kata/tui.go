package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aymanbagabas/go-udiff"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/check"
	"github.com/gokatas/concurrency/internal/proc"
	"github.com/gokatas/concurrency/internal/progress"
	"github.com/gokatas/concurrency/internal/tui"
	"github.com/gokatas/concurrency/internal/watch"
)

// runTUI opens the guided app: `kata [--manual] [--poll]` in a terminal.
func runTUI(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("kata", flag.ContinueOnError)
	manual := fs.Bool("manual", false, "do not watch files: press r to run the tests")
	poll := fs.Bool("poll", false, "watch files by polling (for WSL's /mnt and network mounts)")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	w, err := openWorkbook(e)
	if err != nil {
		return err
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
	s, err := t.w.store.Load()
	if err != nil {
		return tui.State{}, err
	}
	out := tui.State{Current: s.Current, Welcomed: s.Welcomed, Solved: map[string]bool{}, HintLevel: map[string]int{}}
	for id, k := range s.Katas {
		out.Solved[id] = k.Solved
		out.HintLevel[id] = k.HintLevel
	}
	return out, nil
}

func (t *tuiEngine) SetCurrent(id string) error {
	_, err := t.w.store.Update(func(s *progress.State) error { s.Current = id; return nil })
	return err
}

func (t *tuiEngine) MarkWelcomed() error {
	_, err := t.w.store.Update(func(s *progress.State) error { s.Welcomed = true; return nil })
	return err
}

func (t *tuiEngine) Check(ctx context.Context, k catalog.Kata, updates chan<- check.Update) (check.Verdict, error) {
	v, err := t.runner.Run(ctx, k, updates)
	if err != nil {
		return v, err
	}
	_, err = record(t.w, k, v)
	return v, err
}

func (t *tuiEngine) Hints(k catalog.Kata) ([]string, error) { return t.w.cat.Hints(k) }

func (t *tuiEngine) SetHintLevel(k catalog.Kata, level int) error {
	_, err := t.w.store.Update(func(s *progress.State) error {
		p := s.Kata(k.ID)
		p.HintLevel = max(p.HintLevel, level)
		return nil
	})
	return err
}

func (t *tuiEngine) Solution(k catalog.Kata) (tui.Solution, error) {
	if !t.w.cat.HasSolutions(k) {
		return tui.Solution{}, fmt.Errorf("this copy of the workbook has no solutions (%s is missing)", k.SolutionDir)
	}
	var s tui.Solution
	var code, diff strings.Builder
	for _, f := range k.Files {
		sol, err := os.ReadFile(t.w.cat.Path(k.SolutionDir, f))
		if err != nil {
			return tui.Solution{}, fmt.Errorf("solution: %w", err)
		}
		mine, _ := os.ReadFile(t.w.cat.Path(k.Dir, f))
		fmt.Fprintf(&code, "// %s/%s\n%s", k.SolutionDir, f, sol)
		d := udiff.Unified(k.Dir+"/"+f+" (yours)", k.SolutionDir+"/"+f+" (solution)", string(mine), string(sol))
		if d == "" {
			d = fmt.Sprintf("%s/%s is identical to the solution.\n", k.Dir, f)
		}
		diff.WriteString(d)
	}
	s.Code, s.Diff = code.String(), diff.String()
	if expl, err := os.ReadFile(t.w.cat.Path(k.SolutionDir, catalog.ExplanationFile)); err == nil {
		s.Explanation = string(expl)
	}
	return s, nil
}

func (t *tuiEngine) Chapter(k catalog.Kata) (string, error) {
	data, err := os.ReadFile(t.w.cat.Path(k.Chapter))
	if err != nil {
		return "", fmt.Errorf("book: %w", err)
	}
	return string(data), nil
}

func (t *tuiEngine) Reset(ctx context.Context, k catalog.Kata) (string, error) {
	backup := t.w.state + "/backups/" + time.Now().Format("20060102-150405")
	n, err := resetKata(ctx, t.w, k, backup)
	if err != nil {
		return "", err
	}
	if _, err := t.w.store.Update(func(s *progress.State) error {
		p := s.Kata(k.ID)
		p.Solved, p.SolvedAt = false, time.Time{}
		return nil
	}); err != nil {
		return "", err
	}
	if n == 0 {
		return k.ID + " was already as shipped", nil
	}
	return fmt.Sprintf("%s reset; your version is in %s/%s", k.ID, backup, k.ID), nil
}

// Warm builds, under -race, every package the katas' tests import (the
// race-instrumented standard library above all) without linking or running
// anything: minutes on a fresh machine, a fraction of a second after.
func (t *tuiEngine) Warm(ctx context.Context) error {
	if !t.runner.Race {
		return nil
	}
	root := t.w.cat.Root
	list, err := proc.Run(ctx, proc.Cmd{Path: "go", Args: []string{"list", "-deps", "-test", "-f", "{{if not .ForTest}}{{.ImportPath}}{{end}}", "./katas/..."},
		Dir: root, Env: os.Environ(), Timeout: time.Minute, MaxOutput: 1 << 20})
	if err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	if list.ExitCode != 0 {
		return nil // a kata does not build yet: its check will say why
	}
	args := []string{"build", "-race"}
	for _, p := range strings.Fields(string(list.Output)) {
		if !strings.HasSuffix(p, ".test") && !strings.Contains(p, "/katas/") && !strings.Contains(p, ":") {
			args = append(args, p)
		}
	}
	res, err := proc.Run(ctx, proc.Cmd{Path: "go", Args: args, Dir: root, Env: os.Environ(), Timeout: 15 * time.Minute, MaxOutput: 64 << 10})
	if err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("warm-up: go build -race failed; the first check will say why")
	}
	return nil
}
