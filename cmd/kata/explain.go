package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/gokatas/concurrency/internal/diagnose"
	"github.com/gokatas/concurrency/internal/report"
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
	d := diagnose.New(diagnose.ModuleOptions(e.dir))
	stream := report.NewStream(e.stdout, report.Options{Color: report.ColorEnabled(e.stdoutTTY, e.getenv)})
	show := stream.Show // text output streams: each finding as soon as it is complete
	if *asJSON {
		show = nil
	}
	in, err := d.Read(ctx, e.stdin, show)
	if err != nil {
		return fmt.Errorf("explain: %w", err)
	}
	if in.Events == 0 {
		what := "this is not `go test -json` output (no test2json event in it)"
		if in.Lines == 0 {
			what = "stdin was empty: there is no test run to explain"
		}
		return &exitError{code: exitUsage, msg: "explain: " + what + "; pipe a JSON run into it:\n  go test -race -json ./... | kata explain"}
	}
	res := d.Result()
	if *asJSON {
		b, err := report.JSON(res)
		if err == nil {
			_, err = e.stdout.Write(b)
		}
		if err != nil {
			return fmt.Errorf("explain: %w", err)
		}
	} else if err := stream.End(res); err != nil {
		return fmt.Errorf("explain: %w", err)
	}
	if len(res.Findings) > 0 || !res.Passed {
		return &exitError{code: exitFailing}
	}
	return nil
}
