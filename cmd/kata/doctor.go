package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
	"time"

	"github.com/gokatas/concurrency/internal/proc"
	"github.com/gokatas/concurrency/internal/toolchain"
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
	problems := info.Problems()
	for _, p := range problems {
		fmt.Fprintf(out, "✘ %s\n  fix: %s\n", p.What, p.Fix)
		if p.Fatal {
			return &exitError{code: exitUsage}
		}
	}
	if info.RaceOK() {
		fmt.Fprintf(out, "✔ cgo is on and the C compiler is %s\n", info.CCPath)
	}
	w, err := openWorkbook(e)
	if err != nil {
		return err
	}
	step := func(what, note string, onLine func(string), args ...string) error {
		fmt.Fprintf(out, "… %s%s\n", what, note)
		start := time.Now()
		res, err := proc.Run(ctx, proc.Cmd{Path: "go", Args: args, Dir: w.cat.Root, Env: os.Environ(), Timeout: 15 * time.Minute, MaxOutput: 64 << 10, OnLine: onLine})
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if res.ExitCode != 0 {
			fmt.Fprintf(out, "✘ %s failed:\n%s\n", what, res.Output)
			return &exitError{code: exitFailing}
		}
		fmt.Fprintf(out, "✔ %s (%s)\n", what, time.Since(start).Round(100*time.Millisecond))
		return nil
	}
	if err := step("downloading modules", "", nil, "mod", "download"); err != nil {
		return err
	}
	if !info.RaceOK() {
		fmt.Fprintln(out, "✘ the race detector cannot run here: katas can be checked, but never count as solved until it can")
		return &exitError{code: exitFailing}
	}
	// One line per kata as its race build completes: the first one waits for
	// the race-instrumented standard library, the others follow quickly.
	built, total := 0, len(w.cat.Katas)
	progress := func(line string) {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "ok" {
			built++
			fmt.Fprintf(out, "  built %s (%d/%d)\n", path.Base(f[1]), built, total)
		}
	}
	if err := step("building every kata with the race detector", " (warms the build cache; the first time takes a minute or two)",
		progress, "test", "-race", "-count=1", "-run=^$", "./katas/..."); err != nil {
		return err
	}
	fmt.Fprintln(out, "All set: run `go run ./cmd/kata` to start.")
	return nil
}
