package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/check"
	"github.com/gokatas/concurrency/internal/report"
	"github.com/gokatas/concurrency/internal/toolchain"
)

// jsonSchema is the version of every document --json prints; it changes
// when a field does.
const jsonSchema = 1

// checkDoc is the document `kata check --json` prints.
type checkDoc struct {
	Schema int `json:"schema"`
	check.Verdict
}

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
	s, err := w.Record(k, v)
	if err != nil {
		return err
	}
	if *asJSON {
		if err := writeJSON(e, checkDoc{Schema: jsonSchema, Verdict: v}); err != nil {
			return err
		}
	} else {
		next := ""
		if id := w.Next(s, k); id != "" {
			next = num(w.cat.Katas[w.cat.Index(id)])
		}
		printVerdict(e, k, v, next)
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

// stillBuilding is how often a long build says it is still going.
const stillBuilding = 10 * time.Second

// runAttempt runs one check, narrating on stderr when narrate is set: what
// is built, the first race build when it really happens (it compiles the
// race-instrumented standard library: minutes on a small laptop), the
// elapsed time of a long build, then the tests and go vet.
func runAttempt(ctx context.Context, e *env, r *check.Runner, k catalog.Kata, narrate bool) (check.Verdict, error) {
	updates := make(chan check.Update)
	done := make(chan struct{})
	go func() {
		defer close(done)
		n := narrator{say: func(format string, args ...any) {
			if narrate {
				fmt.Fprintf(e.stderr, format, args...)
			}
		}}
		for u := range updates {
			n.update(k, u)
		}
	}()
	v, err := r.Run(ctx, k, updates)
	<-done
	if errors.Is(err, toolchain.ErrNoGo) {
		return v, &exitError{code: exitUsage, msg: err.Error()}
	}
	return v, err
}

// narrator turns an attempt's updates into lines for a person.
type narrator struct {
	say       func(format string, args ...any)
	built     time.Duration
	noted     bool
	lastShown time.Duration
}

func (n *narrator) update(k catalog.Kata, u check.Update) {
	if u.Build != nil {
		n.built = u.Build.Elapsed
	}
	switch {
	case u.Build != nil && u.Build.Elapsed == 0:
		n.say("checking %s: building the tests %s...\n", k.ID, u.Build.What[len(k.Dir)+1:])
	case u.Build != nil && u.Build.FirstRace && !n.noted:
		n.noted = true
		n.say("  first race build on this machine: compiling the race-instrumented standard library (%d packages); it can take minutes on a small laptop, and happens once...\n", u.Build.Packages)
	case u.Build != nil && u.Build.Elapsed-n.lastShown >= stillBuilding:
		n.lastShown = u.Build.Elapsed.Truncate(stillBuilding)
		n.say("  still building %s (%s)...\n", k.Dir, u.Build.Elapsed.Round(time.Second))
	case u.Phase == check.PhaseTesting:
		n.say("running the tests (built in %s)...\n", n.built.Round(100*time.Millisecond))
	case u.Phase == check.PhaseVetting:
		n.say("running go vet...\n")
	}
}

// printVerdict prints the verdict and findings for a person; next is the
// number of the kata to suggest after a solve ("" when every kata is solved).
func printVerdict(e *env, k catalog.Kata, v check.Verdict, next string) {
	out := e.stdout
	switch v.Outcome {
	case check.Solved:
		fmt.Fprintf(out, "✔ %s solved in %s: the tests pass under the race detector, no leaked goroutines, go vet is clean.\n", k.ID, v.Duration.Round(100*time.Millisecond))
		for _, n := range v.Notes {
			fmt.Fprintf(out, "  note: %s\n", n)
		}
		fmt.Fprintf(out, "  Compare with the official solution: kata solution %s --diff\n", num(k))
		if next != "" {
			fmt.Fprintf(out, "  Next: kata check %s   (kata book %s for its chapter)\n", next, next)
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
	fmt.Fprintf(out, "Stuck? kata hint %s\n", num(k))
}
