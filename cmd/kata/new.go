package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/gokatas/concurrency/internal/scaffold"
)

// cmdNew is `kata new NAME`: scaffold a kata (a team's own from 101, or a
// workbook kata with a free two-digit number) that kata verify accepts as it
// stands; docs/authoring.md says what to change.
func cmdNew(ctx context.Context, e *env, args []string) error {
	names, err := parseArgs(flag.NewFlagSet("new", flag.ContinueOnError), args)
	if err != nil {
		return err
	}
	if len(names) != 1 {
		return &exitError{code: exitUsage, msg: "usage: kata new NAME (e.g. kata new cache-stampede, or kata new 106-cache-stampede)"}
	}
	w, err := openWorkbook(e)
	if err != nil {
		return err
	}
	id, err := scaffold.ID(w.cat, names[0])
	if err != nil {
		return &exitError{code: exitUsage, msg: err.Error()}
	}
	written, err := scaffold.Create(w.cat.Root, id)
	if err != nil {
		return &exitError{code: exitFailing, msg: err.Error()}
	}
	fmt.Fprintf(e.stdout, "created kata %s: a working toy kata (a data race on a counter) to replace with your story\n", id)
	for _, p := range written {
		fmt.Fprintln(e.stdout, "  "+p)
	}
	fmt.Fprintf(e.stdout, "next: read docs/authoring.md, then run `kata verify %s` after each change\n", id)
	return nil
}
