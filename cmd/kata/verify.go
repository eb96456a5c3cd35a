package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/pristine"
	"github.com/gokatas/concurrency/internal/verify"
)

// cmdVerify is `kata verify [--runs N] [--json] [KATA...]`: the self-check.
func cmdVerify(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	runs := fs.Int("runs", 1, "fresh processes per GOMAXPROCS value (1, 2 and 4)")
	asJSON := fs.Bool("json", false, "print one JSON document instead of the table")
	names, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if *runs < 1 {
		return &exitError{code: exitUsage, msg: "verify: --runs must be at least 1"}
	}
	c, err := loadCatalog(e)
	if err != nil {
		return err
	}
	if err := pristine.Snapshot(c, stateDir(e, c.Root)); err != nil {
		fmt.Fprintln(e.stderr, "kata: warning:", err)
	}
	var katas []catalog.Kata
	for _, n := range names {
		k, err := c.Resolve(n)
		if err != nil {
			return &exitError{code: exitUsage, msg: "verify: " + err.Error()}
		}
		katas = append(katas, k)
	}
	rep, err := verify.Check(ctx, verify.Options{
		Catalog: c, Katas: katas, Runs: *runs, Parallel: runtime.GOMAXPROCS(0),
		StateDir: stateDir(e, c.Root),
		Progress: func(line string) { fmt.Fprintln(e.stderr, "verify:", line) },
	})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return fmt.Errorf("verify: %w", err)
		}
	} else {
		printVerify(e, rep)
	}
	if rep.Failed > 0 {
		return &exitError{code: exitFailing}
	}
	return nil
}

// printVerify prints the table, the problems, and as the last line of stdout
// exactly "N passed, N failed".
func printVerify(e *env, rep verify.Report) {
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KATA\tVARIANT\tEXPECTED\tOBSERVED\tRUNS\tTIME")
	for _, r := range rep.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d/%d\t%s\n", r.Kata, r.Variant, r.Expected, r.Observed, r.RunsOK, r.Runs, r.Duration.Round(100*time.Millisecond))
	}
	tw.Flush()
	for _, r := range rep.Rows {
		for _, n := range r.Notes {
			fmt.Fprintf(e.stdout, "note: %s %s: %s\n", r.Kata, r.Variant, n)
		}
		for _, p := range r.Problems {
			fmt.Fprintf(e.stdout, "%s %s: %s\n", r.Kata, r.Variant, strings.ReplaceAll(p, "\n", "\n    "))
		}
	}
	fmt.Fprintf(e.stdout, "verify took %s\n", rep.Duration.Round(100*time.Millisecond))
	fmt.Fprintf(e.stdout, "%d passed, %d failed\n", rep.Passed, rep.Failed)
}

// loadCatalog finds the workbook from the working folder and loads it.
func loadCatalog(e *env) (*catalog.Catalog, error) {
	root, err := catalog.FindRoot(e.dir)
	if err != nil {
		return nil, &exitError{code: exitUsage, msg: err.Error()}
	}
	c, err := catalog.Load(root)
	if err != nil {
		return nil, &exitError{code: exitUsage, msg: err.Error()}
	}
	return c, nil
}

// stateDir is the learner state folder: $KATA_STATE_DIR, or .kata at the root.
func stateDir(e *env, root string) string {
	if d := e.getenv("KATA_STATE_DIR"); d != "" {
		return d
	}
	return filepath.Join(root, ".kata")
}
