package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/pristine"
	"github.com/gokatas/concurrency/internal/verify"
)

// spinArg is the hidden argument that makes the binary a busy process for
// `kata verify --stress`: a tight loop until it is killed.
const spinArg = "__spin"

// spin is the busy process: a tight loop until its stdin ends (verify
// holds the other end of the pipe, so a busy process never outlives it) or
// it is killed.
func spin() {
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	//lint:ignore SA5002 the busy loop is the point: it saturates a CPU for verify --stress
	for {
	}
}

// verifyFlags are `kata verify`'s flags.
type verifyFlags struct {
	runs                       int
	stress, asJSON, wrong, alt bool
	buggy, solution            bool
	kataID                     string
}

// cmdVerify is `kata verify [--runs N] [--stress] [--buggy] [--solution]
// [--wrong] [--alt] [--json] [KATA...]`: the self-check. The kind flags add
// up; with none, every kind is checked.
func cmdVerify(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	var f verifyFlags
	fs.IntVar(&f.runs, "runs", 0, "repeat everything `N` times, at GOMAXPROCS 1, 2 and 4 (default: buggy and solution once at 1, 2, 4; each catalogue case once at 2)")
	fs.BoolVar(&f.stress, "stress", false, "saturate every CPU with a busy process and run the tests at GOGC=5")
	fs.BoolVar(&f.asJSON, "json", false, "print one JSON document instead of the table")
	fs.StringVar(&f.kataID, "kata", "", "the `KATA` to check (or KATA arguments)")
	fs.BoolVar(&f.wrong, "wrong", false, "check only the catalogue's wrong fixes")
	fs.BoolVar(&f.alt, "alt", false, "check only the catalogue's alternative fixes")
	fs.BoolVar(&f.buggy, "buggy", false, "check only the kata as shipped (its detectors and declared causes)")
	fs.BoolVar(&f.solution, "solution", false, "check only the official solution")
	names, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if f.kataID != "" {
		names = append(names, f.kataID)
	}
	runsSet := false
	fs.Visit(func(fl *flag.Flag) { runsSet = runsSet || fl.Name == "runs" })
	if runsSet && f.runs < 1 {
		return &exitError{code: exitUsage, msg: "verify: --runs must be at least 1"}
	}
	c, err := loadCatalog(e)
	if err != nil {
		return err
	}
	o, err := verifyOptions(e, c, names, f)
	if err != nil {
		return err
	}
	if o.Stress != nil {
		fmt.Fprintf(e.stderr, "verify: stress: %s\n", o.Stress)
	}
	rep, err := verify.Run(ctx, o)
	if err != nil {
		return err
	}
	if f.asJSON {
		if err := writeJSON(e, rep); err != nil {
			return err
		}
	} else {
		rep.WriteTable(e.stdout)
	}
	if rep.Failed > 0 {
		return &exitError{code: exitFailing}
	}
	return nil
}

// verifyOptions turns the flags into the self-check's options.
func verifyOptions(e *env, c *catalog.Catalog, names []string, f verifyFlags) (verify.Options, error) {
	state := stateDir(e, c.Root)
	if err := pristine.Snapshot(c, state); err != nil {
		fmt.Fprintln(e.stderr, "kata: warning:", err)
	}
	o := verify.Options{Catalog: c, Parallel: runtime.NumCPU(), StateDir: state,
		Progress: func(line string) { fmt.Fprintln(e.stderr, "verify:", line) }}
	for _, n := range names {
		k, err := c.Resolve(n)
		if err != nil {
			return o, &exitError{code: exitUsage, msg: "verify: " + err.Error()}
		}
		o.Katas = append(o.Katas, k)
	}
	if f.runs > 0 {
		all := []int{1, 2, 4}
		o.Shipped = verify.Plan{Runs: f.runs, Procs: all}
		o.Cases = verify.Plan{Runs: f.runs, Procs: all}
	}
	if f.buggy {
		o.Kinds = append(o.Kinds, verify.Buggy)
	}
	if f.solution {
		o.Kinds = append(o.Kinds, verify.Solution)
	}
	if f.wrong {
		o.Kinds = append(o.Kinds, verify.Wrong)
	}
	if f.alt {
		o.Kinds = append(o.Kinds, verify.Alt)
	}
	if f.stress {
		self, err := os.Executable()
		if err != nil {
			return o, fmt.Errorf("verify --stress: %w", err)
		}
		o.Stress = &verify.Stress{Spin: []string{self, spinArg}}
	}
	return o, nil
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
