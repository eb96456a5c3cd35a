package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/diagnose"
)

// cmdExplain is `go test -json ./... | kata explain [--json]`: the
// workbook's diagnosis on any go test -json stream, for use on a learner's
// own code after the katas. Exit 0 with no findings, 1 with findings, 2 when
// stdin is a terminal (nothing was piped in).
func cmdExplain(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the findings as one JSON document")
	if names, err := parseArgs(fs, args); err != nil {
		return err
	} else if len(names) > 0 {
		return &exitError{code: exitUsage, msg: "explain reads a stream on stdin and takes no arguments"}
	}
	if e.stdinTTY {
		return &exitError{code: exitUsage, msg: "explain reads `go test -json` output on stdin, e.g.\n  go test -race -json ./... | kata explain"}
	}
	root := e.dir
	if r, err := catalog.FindRoot(e.dir); err == nil {
		root = r
	}
	res, err := diagnose.Stream(e.stdin, diagnose.Options{Root: root})
	if err != nil {
		return fmt.Errorf("explain: %w", err)
	}
	if res.Findings == nil {
		res.Findings = []diagnose.Finding{}
	}
	if *asJSON {
		if err := writeJSON(e, map[string]any{"findings": res.Findings, "passed": res.Passed, "complete": res.Complete, "tests": res.Tests}); err != nil {
			return err
		}
	} else if len(res.Findings) == 0 {
		fmt.Fprintln(e.stdout, "No findings: no race, leak, deadlock, panic, build error or failed assertion in this run.")
	} else {
		fmt.Fprintf(e.stdout, "%d finding(s):\n", len(res.Findings))
		fmt.Fprint(e.stdout, formatFindings(res.Findings))
	}
	if len(res.Findings) > 0 {
		return &exitError{code: exitFailing}
	}
	return nil
}
