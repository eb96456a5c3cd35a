package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"

	"github.com/gokatas/concurrency/internal/check"
	"github.com/gokatas/concurrency/internal/timeline"
)

// traceDoc is the document `kata trace --json` prints.
type traceDoc struct {
	Schema int    `json:"schema"`
	Kata   string `json:"kata"`
	// Outcome is the verdict of the traced run (vet aside): the trace never
	// changes it.
	Outcome check.Outcome `json:"outcome"`
	*timeline.Timeline
	TraceFile string `json:"trace_file,omitempty"`
}

// cmdTrace is `kata trace [KATA] [--test NAME] [--json] [--out FILE]`: the
// kata's tests run once with the execution tracer, shown as a timeline of
// the goroutines of the learner's code.
func cmdTrace(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("trace", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the timeline as one JSON document")
	test := fs.String("test", "", "trace only the tests matching `NAME` (as go test -run)")
	out := fs.String("out", "", "keep the raw trace in `FILE`, for go tool trace")
	width := fs.Int("width", 0, "draw the timeline this many columns wide (default: the terminal's, or 100)")
	w, k, runner, err := openRunner(ctx, e, fs, args)
	if err != nil {
		return err
	}
	if !*asJSON {
		fmt.Fprintf(e.stderr, "tracing %s (its tests run once with the execution tracer)…\n", k.ID)
	}
	tr, err := w.Trace(ctx, runner, k, false, check.TraceOptions{Run: *test, Keep: *out})
	if err != nil {
		return &exitError{code: exitFailing, msg: fmt.Sprintf("trace %s: %v (kata check %s still works)", k.ID, err, k.Num())}
	}
	if *asJSON {
		return writeJSON(e, traceDoc{Schema: jsonSchema, Kata: k.ID, Outcome: tr.Verdict.Outcome, Timeline: tr.Timeline, TraceFile: tr.TraceFile})
	}
	cols := *width
	if cols <= 0 {
		cols, _ = strconv.Atoi(e.getenv("COLUMNS"))
	}
	if cols <= 0 {
		cols = 100
	}
	fmt.Fprintf(e.stdout, "%s · the tests %s · %s\n", k.ID, tr.Verdict.Outcome, tr.Timeline.Duration)
	fmt.Fprintln(e.stdout, timeline.Render(tr.Timeline, timeline.View{Width: cols, Height: len(tr.Timeline.Goroutines) + 40}))
	if tr.TraceFile != "" {
		fmt.Fprintf(e.stdout, "raw trace: %s (go tool trace %s)\n", tr.TraceFile, tr.TraceFile)
	}
	return nil
}
