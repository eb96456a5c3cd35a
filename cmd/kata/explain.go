package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gokatas/concurrency/internal/diagnose"
	"github.com/gokatas/concurrency/internal/report"
	"github.com/gokatas/concurrency/internal/testjson"
	"golang.org/x/mod/modfile"
)

// cmdExplain is `kata explain [--json]`: it reads any `go test -json`
// stream on stdin (with -race and goleak or not) and prints its findings.
// Exit 0 with no finding and a passing run, 1 otherwise, 2 when stdin is a
// terminal (there is nothing to read).
func cmdExplain(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print one JSON document instead of text")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return &exitError{code: exitUsage, msg: fmt.Sprintf("explain: unexpected argument %q\nusage: go test -race -json ./... | %s", pos[0], usageOf(fs))}
	}
	if e.stdinTTY {
		return &exitError{code: exitUsage, msg: "explain: stdin is a terminal; pipe a test run into it:\n  go test -race -json ./katas/01-wg-ordering/ | kata explain"}
	}
	opts := explainOptions(e.dir)
	d := diagnose.New(opts)
	dec := testjson.NewDecoder(e.stdin)
	color := report.ColorEnabled(e.stdoutTTY, e.getenv)
	out := bufio.NewWriter(e.stdout)
	shown, events, lines := 0, 0, 0
	for ctx.Err() == nil {
		ev, err := dec.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("explain: %w", err)
		}
		lines++
		if ev.Action != "output" || ev.Package != "" || ev.ImportPath != "" {
			events++
		}
		// Text output streams: each finding as soon as it is complete.
		for _, f := range d.Feed(ev) {
			if *asJSON {
				continue
			}
			if shown > 0 {
				out.WriteByte('\n')
			}
			out.WriteString(report.Finding(f, report.Options{Color: color}))
			shown++
			if err := out.Flush(); err != nil {
				return fmt.Errorf("explain: %w", err)
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if events == 0 {
		what := "this is not `go test -json` output (no test2json event in it)"
		if lines == 0 {
			what = "stdin was empty: there is no test run to explain"
		}
		return &exitError{code: exitUsage, msg: "explain: " + what + "; pipe a JSON run into it:\n  go test -race -json ./... | kata explain"}
	}
	res := d.Result()
	if *asJSON {
		b, err := report.JSON(res)
		if err != nil {
			return fmt.Errorf("explain: %w", err)
		}
		out.Write(b)
	} else {
		for _, f := range res.Findings[shown:] {
			if shown > 0 {
				out.WriteByte('\n')
			}
			out.WriteString(report.Finding(f, report.Options{Color: color}))
			shown++
		}
		if shown > 0 {
			out.WriteByte('\n')
		}
		out.WriteString(report.Footer(res, report.Options{Color: color, Tests: true}))
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("explain: %w", err)
	}
	if len(res.Findings) > 0 || !res.Passed {
		return &exitError{code: exitFailing}
	}
	return nil
}

// explainOptions finds the module around dir, so findings are shown
// relative to its root and test lines are placed in their package folders.
func explainOptions(dir string) diagnose.Options {
	for d := dir; d != ""; {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil {
			return diagnose.Options{Root: d, Module: modfile.ModulePath(b)}
		}
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	return diagnose.Options{Root: dir}
}
