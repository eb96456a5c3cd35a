package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gokatas/concurrency/internal/toolchain"
	wbook "github.com/gokatas/concurrency/internal/workbook"
)

// cmdDoctor is `kata doctor`: what a facilitator runs on every laptop before
// a workshop, while the network is still good.
func cmdDoctor(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 {
		return &exitError{code: exitUsage, msg: "doctor takes no arguments"}
	}
	out := e.stdout
	info, err := toolchain.Probe(ctx, "")
	if errors.Is(err, toolchain.ErrNoGo) {
		fmt.Fprintln(out, "✘ go: not found on PATH\n  fix: install Go 1.25 or newer from https://go.dev/dl/")
		return &exitError{code: exitUsage}
	}
	if err != nil {
		return &exitError{code: exitUsage, msg: err.Error()}
	}
	fmt.Fprintf(out, "✔ go: %s (%s/%s)\n", info.GoVersion, info.GOOS, info.GOARCH)
	for _, p := range info.Problems() {
		fmt.Fprintf(out, "✘ %s\n  fix: %s\n", p.What, p.Fix)
		if p.Fatal {
			return &exitError{code: exitUsage}
		}
	}
	switch {
	case info.RaceOK() && info.GOOS == "darwin":
		fmt.Fprintln(out, "✔ the race detector needs no C compiler on macOS")
	case info.RaceOK():
		fmt.Fprintf(out, "✔ cgo is on and the C compiler is %s\n", info.CCPath)
	}
	w, err := openWorkbook(e)
	if err != nil {
		return err
	}
	if err := doctorStep(e, "downloading modules", func() error { return wbook.DownloadModules(ctx, w.cat.Root) }); err != nil {
		return err
	}
	if !info.RaceOK() {
		fmt.Fprintln(out, "✘ the race detector cannot run here: katas can be checked, but never count as solved until it can")
		return &exitError{code: exitFailing}
	}
	warm := func() error {
		return wbook.Warm(ctx, w.cat.Root, "go", func(line string) { fmt.Fprintf(out, "  %s\n", line) })
	}
	if err := doctorStep(e, "warming the race build cache for every kata", warm); err != nil {
		return err
	}
	fmt.Fprintln(out, "All set: run `go run ./cmd/kata` to start.")
	return nil
}

// doctorStep runs one step, saying what it does, how long it took, and
// why it failed.
func doctorStep(e *env, what string, step func() error) error {
	fmt.Fprintf(e.stdout, "… %s\n", what)
	start := time.Now()
	if err := step(); err != nil {
		fmt.Fprintf(e.stdout, "✘ %s failed: %v\n", what, err)
		return &exitError{code: exitFailing}
	}
	fmt.Fprintf(e.stdout, "✔ %s (%s)\n", what, time.Since(start).Round(100*time.Millisecond))
	return nil
}
