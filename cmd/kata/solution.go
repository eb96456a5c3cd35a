package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"

	"github.com/aymanbagabas/go-udiff"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/progress"
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
	s, err := w.store.Load()
	if err != nil {
		return err
	}
	if !s.Solved(k.ID) {
		if !*reveal {
			return &exitError{code: exitFailing, msg: fmt.Sprintf("%s is not solved yet: the solution unlocks when `kata check %s` passes. (kata hint %s helps; --reveal shows it anyway.)", k.ID, k.ID[:2], k.ID[:2])}
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
		if _, err := w.store.Update(func(s *progress.State) error { s.Kata(k.ID).Revealed = true; return nil }); err != nil {
			return err
		}
	}
	if !w.cat.HasSolutions(k) {
		return &exitError{code: exitFailing, msg: fmt.Sprintf("this copy of the workbook has no solutions (%s is missing)", k.SolutionDir)}
	}
	for _, f := range k.Files {
		if err := showSolution(e, w.cat, k, f, *diff); err != nil {
			return err
		}
	}
	if !*diff {
		if expl, err := os.ReadFile(w.cat.Path(k.SolutionDir, catalog.ExplanationFile)); err == nil {
			fmt.Fprintln(e.stdout)
			fmt.Fprint(e.stdout, renderMarkdown(e, string(expl)))
		}
	}
	return nil
}

func showSolution(e *env, c *catalog.Catalog, k catalog.Kata, f string, diff bool) error {
	sol, err := os.ReadFile(c.Path(k.SolutionDir, f))
	if err != nil {
		return fmt.Errorf("solution: %w", err)
	}
	if !diff {
		fmt.Fprintf(e.stdout, "// ===== %s/%s =====\n%s", k.SolutionDir, f, sol)
		return nil
	}
	mine, err := os.ReadFile(c.Path(k.Dir, f))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("solution: %w", err)
	}
	d := udiff.Unified(k.Dir+"/"+f+" (yours)", k.SolutionDir+"/"+f+" (solution)", string(mine), string(sol))
	if d == "" {
		d = fmt.Sprintf("%s/%s is identical to the solution.\n", k.Dir, f)
	}
	fmt.Fprint(e.stdout, d)
	return nil
}
