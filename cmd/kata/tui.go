package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/gokatas/concurrency/internal/tui"
	"github.com/gokatas/concurrency/internal/watch"
)

// appFlags are the guided app's flags: `kata [--manual] [--poll] [--route ROUTE]`.
type appFlags struct {
	manual, poll bool
	route        string
}

// parseAppFlags parses the app's flags, on a terminal or off it (where the
// list stands in for the app), and refuses a route the workbook does not
// suggest.
func parseAppFlags(e *env, args []string) (appFlags, error) {
	var f appFlags
	fs := flag.NewFlagSet("kata", flag.ContinueOnError)
	fs.BoolVar(&f.manual, "manual", false, "do not watch files: press r to run the tests")
	fs.BoolVar(&f.poll, "poll", false, "watch files by polling (for WSL's /mnt and network mounts)")
	fs.StringVar(&f.route, "route", "", "walk the katas along `ROUTE` (self-study, workshop, onboarding; see katas/routes.json)")
	if pos, err := parseArgs(fs, args); err != nil {
		return f, err
	} else if len(pos) > 0 {
		usage(e.stderr)
		return f, &exitError{code: exitUsage, msg: fmt.Sprintf("unknown command %q", pos[0])}
	}
	if f.route != "" {
		return f, checkRoute(e, f.route)
	}
	return f, nil
}

// runTUI opens the guided app in a terminal.
func runTUI(ctx context.Context, e *env, f appFlags) error {
	w, err := openWorkbook(e)
	if err != nil {
		return err
	}
	runner, err := newRunner(ctx, e, w.cat.Root)
	if err != nil {
		return err
	}
	opts := tui.Options{
		Manual:     f.manual,
		Hyperlinks: true,
		Editor:     e.getenv("EDITOR"),
		Warm:       true,
		Route:      f.route,
	}
	if f.poll {
		opts.WatchMode = watch.Polling
	}
	term := tui.Terminal{Out: os.Stdout, NoColor: e.getenv("NO_COLOR") != ""}
	err = tui.Run(ctx, tui.NewEngine(w.Workbook, runner), term, opts)
	if errors.Is(err, tui.ErrInterrupted) {
		return &exitError{code: exitSIGINT}
	}
	return err
}
