package check

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/modfile"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/diagnose"
	"github.com/gokatas/concurrency/internal/proc"
	"github.com/gokatas/concurrency/internal/testjson"
)

// BuildStatus says what is being built while a build runs.
type BuildStatus struct {
	// What is built, e.g. "katas/01-wg-ordering with the race detector".
	What string `json:"what"`
	// Elapsed is the time since the build started.
	Elapsed time.Duration `json:"elapsed_ns"`
	// FirstRace: the race-instrumented standard library is really being
	// built (it is not in the build cache yet); Packages counts its packages.
	FirstRace bool `json:"first_race,omitempty"`
	Packages  int  `json:"packages,omitempty"`
}

// Binary is a kata's test binary, built once and run as often as needed.
type Binary struct {
	// Kata is the kata it tests.
	Kata catalog.Kata
	// Path is the binary; Failed means it did not build, and Output is
	// what the build printed (go test -json events, capped).
	Path   string
	Failed bool
	Output []byte

	dir        string            // the temporary folder holding the binary and the overlay
	overlayArg string            // "-overlay=<file>" or ""
	overlay    map[string]string // what the overlay replaces: absolute path → replacement
	importPath string
}

// ImportPath is the import path of the kata's package.
func (b *Binary) ImportPath() string { return b.importPath }

// Close removes the binary and its overlay file.
func (b *Binary) Close() error { return os.RemoveAll(b.dir) }

// buildStatusEvery is how often a running build reports its elapsed time.
const buildStatusEvery = time.Second

// Build compiles k's tests once (`go test -c`), overlay replacing files by
// absolute path. The build is not time-bounded (a cold race build takes
// minutes on a small machine) but ends with ctx. report, if set, hears what
// is built, every second, from one goroutine at a time. A build that fails
// is a Binary with Failed set, not an error.
func (r *Runner) Build(ctx context.Context, k catalog.Kata, overlay map[string]string, report func(BuildStatus)) (*Binary, error) {
	dir, err := os.MkdirTemp("", "kata-build-")
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", k.ID, err)
	}
	b := &Binary{Kata: k, dir: dir, Path: filepath.Join(dir, "kata.test"), importPath: r.importPath(k)}
	if runtime.GOOS == "windows" {
		b.Path += ".exe"
	}
	if err := b.writeOverlay(overlay); err != nil {
		b.Close()
		return nil, fmt.Errorf("build %s: %w", k.ID, err)
	}
	args := []string{"test", "-c", "-json", "-o", b.Path}
	if r.Race {
		args = append(args, "-race")
	}
	if b.overlayArg != "" {
		args = append(args, b.overlayArg)
	}
	stop := r.narrate(ctx, b, report)
	// test2json is found (and on a fresh machine built: the go command
	// builds it on demand) alongside, so that it is part of the build.
	tool := make(chan error, 1)
	go func() {
		_, err := r.tools.test2JSON(ctx, r.goCmd())
		tool <- err
	}()
	res, err := proc.Run(ctx, proc.Cmd{Path: r.goCmd(), Args: append(args, "./"+k.Dir), Dir: r.Root, Env: os.Environ(), MaxOutput: 1 << 20})
	stop()
	err = errors.Join(err, <-tool)
	if err != nil {
		b.Close()
		return nil, goError("build "+k.ID, err)
	}
	b.Failed, b.Output = res.ExitCode != 0, res.Output
	return b, nil
}

// writeOverlay writes overlay as a go -overlay file in the binary's folder.
func (b *Binary) writeOverlay(overlay map[string]string) error {
	if len(overlay) == 0 {
		return nil
	}
	b.overlay = overlay
	data, err := json.Marshal(map[string]any{"Replace": overlay})
	if err != nil {
		return fmt.Errorf("overlay: %w", err)
	}
	p := filepath.Join(b.dir, "overlay.json")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		return fmt.Errorf("overlay: %w", err)
	}
	b.overlayArg = "-overlay=" + p
	return nil
}

// importPath is the kata package's import path (test2json names it in every event).
func (r *Runner) importPath(k catalog.Kata) string {
	mod := "workbook"
	if data, err := os.ReadFile(filepath.Join(r.Root, "go.mod")); err == nil {
		mod = cmp.Or(modfile.ModulePath(data), mod)
	}
	return path.Join(mod, k.Dir)
}

// narrate reports the build's progress until the returned stop is called:
// what is built and the elapsed time every second, and whether the
// race-instrumented standard library is really being built (asked of
// go list, which knows what is stale in the build cache), so that the
// first-race-build note is never shown on a warm cache. Its goroutines are
// stopped and waited for by stop.
func (r *Runner) narrate(ctx context.Context, b *Binary, report func(BuildStatus)) (stop func()) {
	if report == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	stale := make(chan int, 1)
	if r.Race {
		wg.Go(func() { stale <- r.staleRaceStd(ctx, b) })
	}
	wg.Go(func() {
		status := BuildStatus{What: b.Kata.Dir + " without the race detector"}
		if r.Race {
			status.What = b.Kata.Dir + " with the race detector"
		}
		start := time.Now()
		report(status)
		tick := time.NewTicker(buildStatusEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case n := <-stale:
				status.FirstRace, status.Packages = n > 0, n
			case <-tick.C:
			}
			status.Elapsed = time.Since(start)
			report(status)
		}
	})
	return func() {
		cancel()
		wg.Wait()
	}
}

// staleRaceStd counts the standard-library packages of b's kata that are
// not in the build cache with -race (0 when go list cannot tell).
func (r *Runner) staleRaceStd(ctx context.Context, b *Binary) int {
	args := []string{"list", "-e", "-race", "-deps", "-test", "-f", "{{if and .Standard .Stale}}stale {{.ImportPath}}{{end}}"}
	if b.overlayArg != "" {
		args = append(args, b.overlayArg)
	}
	n := 0
	_, err := proc.Run(ctx, proc.Cmd{Path: r.goCmd(), Args: append(args, "./"+b.Kata.Dir), Dir: r.Root,
		Env: os.Environ(), Timeout: time.Minute, Stderr: io.Discard,
		OnLine: func(line string) {
			if strings.HasPrefix(line, "stale ") {
				n++
			}
		}})
	if err != nil {
		return 0
	}
	return n
}

// BuildVerdict is the verdict on a binary that did not build: the
// compiler's findings, or the go command's own words when it printed no
// compiler error.
func (r *Runner) BuildVerdict(b *Binary) Verdict {
	d := diagnose.New(r.diagnoseOptions(b))
	var plain []string
	for line := range strings.Lines(string(b.Output)) {
		ev := testjson.Parse([]byte(strings.TrimRight(line, "\n")))
		d.Feed(ev)
		if ev.Action == "build-output" || ev.Package == "" && ev.ImportPath == "" {
			plain = append(plain, strings.TrimSpace(ev.Output))
		}
	}
	v := Verdict{Kata: b.Kata.ID, Outcome: Failing, RaceChecked: r.Race, Notes: r.notes(), Output: string(b.Output)}
	v.Findings = d.Result().Findings
	if !hasKind(v.Findings, diagnose.KindBuild) {
		msg := strings.TrimSpace(strings.Join(plain, "\n"))
		v.Findings = append(v.Findings, diagnose.Finding{Kind: diagnose.KindBuild,
			Message: "the tests do not build: " + cmp.Or(msg, "go test -c failed without a message")})
	}
	return v
}
