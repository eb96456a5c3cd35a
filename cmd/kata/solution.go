package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	wbook "github.com/gokatas/concurrency/internal/workbook"
)

// cmdSolution is `kata solution [KATA] [--diff] [--reveal] [--yes]`.
func cmdSolution(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("solution", flag.ContinueOnError)
	diff := fs.Bool("diff", false, "show a unified diff of your file against the solution")
	reveal := fs.Bool("reveal", false, "show the solution before the kata is solved")
	yes := fs.Bool("yes", false, "do not ask for confirmation")
	w, k, err := openKata(e, fs, args)
	if err != nil {
		return err
	}
	unlocked, err := w.Unlocked(k)
	if err != nil {
		return err
	}
	if !unlocked {
		if !*reveal {
			return &exitError{code: exitFailing, msg: fmt.Sprintf("%s is not solved yet: the solution unlocks when `kata check %s` passes. (kata hint %s helps; --reveal shows it anyway.)", k.ID, k.Num(), k.Num())}
		}
		if e.getenv("KATA_LOCK_SOLUTIONS") == "1" {
			return &exitError{code: exitFailing, msg: "solutions are locked for this workshop (KATA_LOCK_SOLUTIONS=1): ask your facilitator"}
		}
		ok, err := confirm(e, *yes, fmt.Sprintf("Reveal the solution of %s before solving it?", k.ID))
		if err != nil {
			return err
		}
		if !ok {
			return &exitError{code: exitFailing, msg: "not revealed"}
		}
		if err := w.Reveal(k); err != nil {
			return err
		}
	}
	sol, err := w.Solution(k)
	if errors.Is(err, wbook.ErrNoSolutions) {
		return &exitError{code: exitFailing, msg: err.Error()}
	}
	if err != nil {
		return err
	}
	if *diff {
		fmt.Fprint(e.stdout, sol.Diff())
		return nil
	}
	for _, f := range sol.Files {
		fmt.Fprintf(e.stdout, "// ===== %s =====\n%s", f.Path, f.Code)
	}
	for _, md := range []string{sol.Explanation, sol.WrongFixes} {
		if md != "" {
			fmt.Fprintln(e.stdout)
			fmt.Fprint(e.stdout, renderMarkdown(e, md))
		}
	}
	return nil
}
