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
	"github.com/charmbracelet/glamour"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/check"
	"github.com/gokatas/concurrency/internal/gotest"
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
		style = "notty"
	} else if !renderer.HasDarkBackground() {
		style = "light"
	}
	opts := tui.Options{
		Styles:     tui.NewStyles(renderer),
		Markdown:   markdownRenderer(style),
		Manual:     *manual,
		Hyperlinks: true,
		Editor:     e.getenv("EDITOR"),
		Warm:       true,
	}
	if *poll {
		opts.WatchMode = watch.Polling
	}
	model := tui.New(ctx, &tuiEngine{w: w, runner: runner}, opts)
	p := tea.NewProgram(model, tea.WithAltScreen(), tea.WithContext(ctx))
	if _, err := p.Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("tui: %w", err)
	}
	return nil
}

// markdownRenderer renders Markdown with glamour in the given style,
// wrapped to the terminal's width.
func markdownRenderer(style string) func(string, int) string {
	return func(md string, width int) string {
		r, err := glamour.NewTermRenderer(glamour.WithStandardStyle(style), glamour.WithWordWrap(max(width-4, 20)))
		if err != nil {
			return md
		}
		out, err := r.Render(md)
		if err != nil {
			return md
		}
		return out
	}
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

func (t *tuiEngine) Warm(ctx context.Context) error {
	args := []string{"test", "-count=1", "-run=^$", "./katas/..."}
	if t.runner.Race {
		args = append(args[:1], append([]string{"-race"}, args[1:]...)...)
	}
	res, err := gotest.Run(ctx, gotest.Cmd{Path: "go", Args: args, Dir: t.w.cat.Root, Env: os.Environ(), Timeout: 15 * time.Minute, MaxOutput: 64 << 10})
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("the katas do not all build yet (a learner's edit?): the first check will say why")
	}
	return nil
}
