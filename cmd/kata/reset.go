package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/gokatas/concurrency/internal/catalog"
)

// cmdReset is `kata reset [KATA|--all] [--yes]`.
func cmdReset(ctx context.Context, e *env, args []string) error {
	set := flag.NewFlagSet("reset", flag.ContinueOnError)
	all := set.Bool("all", false, "reset every kata")
	yes := set.Bool("yes", false, "do not ask for confirmation")
	names, err := parseArgs(set, args)
	if err != nil {
		return err
	}
	w, err := openWorkbook(e)
	if err != nil {
		return err
	}
	katas := w.cat.Katas
	what := "every kata"
	if *all && len(names) > 0 {
		return &exitError{code: exitUsage, msg: "reset: KATA or --all, not both"}
	}
	if !*all {
		k, err := w.kata(names)
		if err != nil {
			return err
		}
		katas, what = []catalog.Kata{k}, k.ID
	}
	ok, err := confirm(e, *yes, fmt.Sprintf("Reset %s to its original files? Your versions are backed up first.", what))
	if err != nil {
		return err
	}
	if !ok {
		return &exitError{code: exitFailing, msg: "nothing reset"}
	}
	done, err := w.Reset(ctx, katas, time.Now())
	for _, r := range done {
		fmt.Fprintln(e.stdout, fitLines(r.String(), termWidth))
	}
	return err
}
