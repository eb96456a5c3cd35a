package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

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
	w, k, runner, err := openRunner(ctx, e, fs, args)
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
			next = w.cat.Katas[w.cat.Index(id)].Num()
		}
		printVerdict(e, k, v, next)
	}
	if v.Outcome != check.Solved {
		return &exitError{code: exitFailing}
	}
	return nil
}

// openRunner is openKata for a command that runs the kata's tests: it also
// builds the runner (newRunner).
func openRunner(ctx context.Context, e *env, fs *flag.FlagSet, args []string) (*workbook, catalog.Kata, *check.Runner, error) {
	w, k, err := openKata(e, fs, args)
	if err != nil {
		return nil, k, nil, err
	}
	runner, err := newRunner(ctx, e, w.cat.Root)
	return w, k, runner, err
}

// newRunner is check.NewRunner with its warnings on stderr.
func newRunner(ctx context.Context, e *env, root string) (*check.Runner, error) {
	r, warnings, err := check.NewRunner(ctx, root)
	if err != nil {
		return nil, &exitError{code: exitUsage, msg: err.Error()}
	}
	for _, p := range warnings {
		fmt.Fprintf(e.stderr, "kata: warning: %s; race checks will not run.\n  fix: %s\n", p.What, p.Fix)
	}
	return r, nil
}

// runAttempt runs one check, narrating on stderr when narrate is set
// (report.Narrator).
func runAttempt(ctx context.Context, e *env, r *check.Runner, k catalog.Kata, narrate bool) (check.Verdict, error) {
	updates := make(chan check.Update)
	done := make(chan struct{})
	go func() {
		defer close(done)
		n := report.Narrator{Say: func(line string) {
			if narrate {
				fmt.Fprint(e.stderr, line)
			}
		}}
		for u := range updates {
			n.Update(k, u)
		}
	}()
	v, err := r.Run(ctx, k, updates)
	<-done
	if errors.Is(err, toolchain.ErrNoGo) {
		return v, &exitError{code: exitUsage, msg: err.Error()}
	}
	return v, err
}

// printVerdict prints the verdict and findings for a person; next is the
// number of the kata to suggest after a solve ("" when every kata is solved).
func printVerdict(e *env, k catalog.Kata, v check.Verdict, next string) {
	fmt.Fprint(e.stdout, report.Verdict(k, v, next, report.Options{Color: report.ColorEnabled(e.stdoutTTY, e.getenv)}))
}
