package main

import (
	"context"
	"flag"
	"fmt"
)

// cmdHint is `kata hint [KATA] [--level N]`.
func cmdHint(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("hint", flag.ContinueOnError)
	level := fs.Int("level", 0, "show hint N instead of the next one")
	w, k, err := openKata(e, fs, args)
	if err != nil {
		return err
	}
	hints, err := w.cat.Hints(k)
	if err != nil {
		return err
	}
	if *level < 0 || *level > len(hints) {
		return &exitError{code: exitUsage, msg: fmt.Sprintf("%s has hints 1 to %d", k.ID, len(hints))}
	}
	n, err := w.ReadHint(k, *level, len(hints))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s · hint %d of %d\n\n", k.ID, n, len(hints))
	fmt.Fprint(e.stdout, renderMarkdown(e, hints[n-1]))
	if n < len(hints) {
		fmt.Fprintf(e.stdout, "\nMore: kata hint %s\n", k.Num())
	} else {
		fmt.Fprintf(e.stdout, "\nThat was the last hint. The chapter explains the mechanism: kata book %s\n", k.Num())
	}
	return nil
}
