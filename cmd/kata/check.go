package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/check"
	"github.com/gokatas/concurrency/internal/progress"
	"github.com/gokatas/concurrency/internal/report"
	"github.com/gokatas/concurrency/internal/toolchain"
)

// cmdCheck is `kata check [KATA] [--json]`.
func cmdCheck(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the verdict as one JSON document")
	w, k, err := openKata(e, fs, args)
	if err != nil {
		return err
	}
	runner, err := newRunner(ctx, e, w.cat.Root)
	if err != nil {
		return err
	}
	v, err := runAttempt(ctx, e, runner, k, !*asJSON)
	if err != nil {
		return err
	}
	s, err := record(w, k, v)
	if err != nil {
		return err
	}
	if *asJSON {
		if err := writeJSON(e, v); err != nil {
			return err
		}
	} else {
		printVerdict(e, k, v, s.NextPending(ids(w.cat), k.ID))
	}
	if v.Outcome != check.Solved {
		return &exitError{code: exitFailing}
	}
	return nil
}

// newRunner probes the toolchain and builds a runner: with -race when it
// can work, without (and saying so) when it cannot.
func newRunner(ctx context.Context, e *env, root string) (*check.Runner, error) {
	info, err := toolchain.Probe(ctx, "")
	if errors.Is(err, toolchain.ErrNoGo) {
		return nil, &exitError{code: exitUsage, msg: err.Error()}
	}
	if err != nil {
		return nil, &exitError{code: exitUsage, msg: err.Error()}
	}
	for _, p := range info.Problems() {
		if p.Fatal {
			return nil, &exitError{code: exitUsage, msg: p.What + "\n  fix: " + p.Fix}
		}
		fmt.Fprintf(e.stderr, "kata: warning: %s; race checks will not run.\n  fix: %s\n", p.What, p.Fix)
	}
	return &check.Runner{Root: root, Race: info.RaceOK()}, nil
}

// A build still going after firstBuildNote is most likely the first race
// build on this machine; say so, then every stillBuilding.
const (
	firstBuildNote = 3 * time.Second
	stillBuilding  = 10 * time.Second
)

// runAttempt runs one check, narrating the phases on stderr when narrate is
// set: the first race build on a machine compiles the instrumented standard
// library and takes tens of seconds, so a silent wait would look like a hang.
func runAttempt(ctx context.Context, e *env, r *check.Runner, k catalog.Kata, narrate bool) (check.Verdict, error) {
	updates := make(chan check.Update)
	done := make(chan struct{})
	go func() {
		defer close(done)
		start := time.Now()
		timer := time.NewTimer(firstBuildNote)
		defer timer.Stop()
		building, noted := false, false
		say := func(format string, args ...any) {
			if narrate {
				fmt.Fprintf(e.stderr, format, args...)
			}
		}
		for {
			select {
			case u, ok := <-updates:
				if !ok {
					return
				}
				building = u.Phase == check.PhaseBuilding || (building && u.Phase == "")
				switch u.Phase {
				case check.PhaseBuilding:
					what := "with the race detector"
					if !r.Race {
						what = "without the race detector"
					}
					say("checking %s: building the tests %s...\n", k.ID, what)
				case check.PhaseTesting:
					say("running the tests (built in %s)...\n", time.Since(start).Round(100*time.Millisecond))
				case check.PhaseVetting:
					say("running go vet...\n")
				}
			case <-timer.C:
				if building && !noted {
					say("  the first race build on a machine compiles the race-instrumented standard library: up to a minute, once...\n")
				} else if building {
					say("  still building (%s)...\n", time.Since(start).Round(time.Second))
				}
				noted = noted || building
				timer.Reset(stillBuilding)
			}
		}
	}()
	v, err := r.Run(ctx, k, updates)
	<-done
	if err != nil {
		if errors.Is(err, toolchain.ErrNoGo) {
			return v, &exitError{code: exitUsage, msg: err.Error()}
		}
		return v, err
	}
	return v, nil
}

// record saves an attempt in the progress file. Checking a kata makes it
// the current one; solving it moves on to the next pending kata.
func record(w *workbook, k catalog.Kata, v check.Verdict) (*progress.State, error) {
	return w.store.Update(func(s *progress.State) error {
		p := s.Kata(k.ID)
		p.Attempts++
		s.Current = k.ID
		if v.Outcome == check.Solved {
			if !p.Solved {
				p.Solved, p.SolvedAt = true, time.Now().UTC()
			}
			if next := s.NextPending(ids(w.cat), k.ID); next != "" {
				s.Current = next
			}
		}
		return nil
	})
}

// printVerdict prints the verdict and findings for a person; next is the
// kata to suggest after a solve ("" when every kata is solved).
func printVerdict(e *env, k catalog.Kata, v check.Verdict, next string) {
	out := e.stdout
	switch v.Outcome {
	case check.Solved:
		fmt.Fprintf(out, "✔ %s solved in %s: the tests pass under the race detector, no leaked goroutines, go vet is clean.\n", k.ID, v.Duration.Round(100*time.Millisecond))
		fmt.Fprintf(out, "  Compare with the official solution: kata solution %s --diff\n", k.ID[:2])
		if next != "" {
			fmt.Fprintf(out, "  Next: kata check %s   (kata book %s for its chapter)\n", next[:2], next[:2])
		} else {
			fmt.Fprintln(out, "  That was the last pending kata: every kata is solved.")
		}
		return
	case check.Almost:
		fmt.Fprintf(out, "~ %s almost: the tests pass, but:\n", k.ID)
	default:
		fmt.Fprintf(out, "✘ %s is not solved yet (%d finding(s)):\n", k.ID, len(v.Findings))
	}
	for _, n := range v.Notes {
		fmt.Fprintf(out, "  note: %s\n", n)
	}
	fmt.Fprintln(out)
	fmt.Fprint(out, report.Findings(v.Findings, report.Options{Color: report.ColorEnabled(e.stdoutTTY, e.getenv)}))
	fmt.Fprintln(out)
	fmt.Fprintf(out, "Stuck? kata hint %s\n", k.ID[:2])
}
