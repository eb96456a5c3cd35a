package check

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/timeline"
)

// Traced is one run of a kata's tests with the execution tracer on: the
// verdict the run gave (the same a check gives, without vet) and the
// timeline read from its trace.
type Traced struct {
	Verdict  Verdict
	Timeline *timeline.Timeline
	// TraceFile is the raw trace, kept for `go tool trace` when the caller
	// asked for it ("" otherwise).
	TraceFile string
}

// TraceOptions choose what a traced run runs and keeps.
type TraceOptions struct {
	// Overlay replaces files for the build, like Runner.Overlay (which is
	// used when this is nil): e.g. the shipped originals, to trace the buggy
	// kata whatever the learner changed.
	Overlay map[string]string
	// Run selects the tests (as go test -run); "" runs them all.
	Run string
	// Keep is where the raw trace is written for go tool trace; "" removes it.
	Keep string
	// Report hears what is built while the build runs.
	Report func(BuildStatus)
}

// Trace builds k like a check (same flags and files), runs its tests once
// with -test.trace, and reads the trace. A run whose trace cannot be read
// still returns its verdict, with the error.
func (r *Runner) Trace(ctx context.Context, k catalog.Kata, o TraceOptions) (Traced, error) {
	overlay := o.Overlay
	if overlay == nil {
		overlay = r.Overlay
	}
	run, keep := o.Run, o.Keep
	b, err := r.Build(ctx, k, overlay, o.Report)
	if err != nil {
		return Traced{}, err
	}
	defer b.Close()
	if b.Failed {
		return Traced{Verdict: r.BuildVerdict(b)}, errors.New("the kata does not build, so there is nothing to trace")
	}
	file := keep
	if file == "" {
		file = filepath.Join(filepath.Dir(b.Path), "kata.trace")
	} else if file, err = filepath.Abs(file); err != nil {
		return Traced{}, fmt.Errorf("trace %s: %w", k.ID, err)
	}
	v, err := r.Test(ctx, b, Env{Trace: file, Run: run}, nil)
	if err != nil {
		return Traced{}, err
	}
	t := Traced{Verdict: v}
	if keep != "" {
		t.TraceFile = file
	}
	f, err := os.Open(file)
	if err != nil {
		return t, fmt.Errorf("the run left no trace: %w", err)
	}
	defer f.Close()
	if t.Timeline, err = timeline.Read(f, b.importPath); err != nil {
		return t, fmt.Errorf("read the trace of %s: %w", k.ID, err)
	}
	return t, nil
}
