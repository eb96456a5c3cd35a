// Package check is the one pipeline that judges a kata: an attempt is
// build (go test -c, once, not time-bounded, cancellable, its progress
// reported) → run (the test binary through test2json, bounded in time, in
// its own process group) → vet (go vet, in a goroutine the attempt owns) →
// verdict. `kata check`, the app and `kata verify` all go through it: verify
// builds each variant once and runs the binary for every repetition,
// GOMAXPROCS value and stress setting; nothing else differs.
package check

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/diagnose"
	"github.com/gokatas/concurrency/internal/toolchain"
)

// Outcome is the verdict of an attempt.
type Outcome string

// The outcomes.
const (
	// Solved: every test passes under -race, goleak finds nothing, go vet is clean.
	Solved Outcome = "solved"
	// Almost: tests pass but go vet reports something (or race checks could not run).
	Almost Outcome = "almost"
	// Failing: a test failed, a finding was reported, or the code does not build.
	Failing Outcome = "failing"
)

// Phase is what an attempt is doing.
type Phase string

// The phases of an attempt.
const (
	PhaseBuilding Phase = "building" // compiling the race-instrumented test binary
	PhaseTesting  Phase = "testing"
	PhaseVetting  Phase = "vetting"
	PhaseDone     Phase = "done"
)

// Update is one streamed piece of an attempt in progress. Exactly one field is set.
type Update struct {
	// Phase is the phase the attempt entered.
	Phase Phase `json:"phase,omitempty"`
	// Build says what is being built and for how long, while the build runs.
	Build *BuildStatus `json:"build,omitempty"`
	// Line is one line of raw test output.
	Line string `json:"line,omitempty"`
	// Finding is a finding, sent as soon as the diagnosis completes it.
	Finding *diagnose.Finding `json:"finding,omitempty"`
}

// Verdict is the result of one attempt.
type Verdict struct {
	// Kata is the kata's ID.
	Kata string `json:"kata"`
	// Outcome is solved, almost or failing.
	Outcome Outcome `json:"outcome"`
	// Findings are every finding of the tests and of go vet (never nil).
	Findings []diagnose.Finding `json:"findings"`
	// Tests are how each test ended.
	Tests []diagnose.TestResult `json:"tests"`
	// RaceChecked is false when -race could not be used (no cgo / C compiler).
	RaceChecked bool `json:"race_checked"`
	// Duration is the wall time of the attempt, build included.
	Duration time.Duration `json:"duration_ns"`
	// Notes are plain sentences for the learner (e.g. "race checks did not run: ...").
	Notes []string `json:"notes,omitempty"`
	// Output is the raw output of the run, capped in size.
	Output string `json:"-"`
}

// Runner runs attempts. Set Root; the other fields have defaults. A Runner
// is safe for concurrent use once set up.
type Runner struct {
	// Root is the absolute repository root.
	Root string
	// Go is the go command to run ("go" on PATH when empty).
	Go string
	// Race enables -race; set it from a toolchain check.
	Race bool
	// Timeout bounds one test run (DefaultTimeout when zero); the build is
	// never bounded by it.
	Timeout time.Duration
	// Overlay optionally replaces files for the build (go test -overlay), by absolute path.
	Overlay map[string]string

	tools tools
}

// DefaultTimeout bounds one test run when Runner.Timeout is zero. The
// katas' own guards fire in about a second; this catches what they miss.
const DefaultTimeout = 30 * time.Second

// maxOutput caps the raw output a Verdict keeps.
const maxOutput = 2 << 20

func (r *Runner) goCmd() string          { return cmp.Or(r.Go, "go") }
func (r *Runner) timeout() time.Duration { return cmp.Or(r.Timeout, DefaultTimeout) }

// Run runs one attempt at k: build, run, vet, verdict. If updates is
// non-nil, Run sends progress to it (blocking: the caller must drain it) and
// closes it before returning. A failing kata is not an error: err is for an
// attempt that could not happen at all (no go command, context cancelled).
func (r *Runner) Run(ctx context.Context, k catalog.Kata, updates chan<- Update) (Verdict, error) {
	if updates != nil {
		defer close(updates)
	}
	send := sender(ctx, updates)
	start := time.Now()
	send(Update{Phase: PhaseBuilding})
	v, err := r.attempt(ctx, k, send)
	if err != nil {
		return Verdict{}, err
	}
	v.Duration = time.Since(start)
	send(Update{Phase: PhaseDone})
	return v, nil
}

// attempt is Run without the bookends: build, run, vet, verdict.
func (r *Runner) attempt(ctx context.Context, k catalog.Kata, send func(Update)) (Verdict, error) {
	if v, missing := r.missingFile(k); missing {
		send(Update{Finding: &v.Findings[0]})
		return v, nil
	}
	b, err := r.Build(ctx, k, r.Overlay, func(s BuildStatus) { send(Update{Build: &s}) })
	if err != nil {
		return Verdict{}, err
	}
	defer b.Close()
	if b.Failed {
		v := r.BuildVerdict(b)
		for i := range v.Findings {
			send(Update{Finding: &v.Findings[i]})
		}
		return v, nil
	}
	vet := r.StartVet(ctx, b)
	defer vet.Stop()
	send(Update{Phase: PhaseTesting})
	v, err := r.Test(ctx, b, Env{}, send)
	if err != nil {
		return Verdict{}, err
	}
	if v.Outcome == Failing {
		return v, nil
	}
	send(Update{Phase: PhaseVetting})
	vr, err := vet.Wait()
	if err != nil {
		return Verdict{}, fmt.Errorf("vet %s: %w", k.ID, err)
	}
	for i := range vr.Findings {
		send(Update{Finding: &vr.Findings[i]})
	}
	return withVet(v, vr), nil
}

// sender sends to updates (if any) unless ctx ends first.
func sender(ctx context.Context, updates chan<- Update) func(Update) {
	return func(u Update) {
		if updates == nil {
			return
		}
		select {
		case updates <- u:
		case <-ctx.Done():
		}
	}
}

// missingFile is the verdict on a kata whose learner file was deleted (and
// is not replaced by the overlay): nothing to build, and what to do.
func (r *Runner) missingFile(k catalog.Kata) (Verdict, bool) {
	for _, f := range k.Files {
		p := filepath.Join(r.Root, filepath.FromSlash(k.Dir), f)
		if _, overlaid := r.Overlay[p]; overlaid {
			continue
		}
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			missing := diagnose.Finding{Kind: diagnose.KindBuild,
				Message:  fmt.Sprintf("%s/%s is missing: restore it with `kata reset %02d`", k.Dir, f, k.Number),
				Location: diagnose.Location{File: k.Dir + "/" + f}}
			return Verdict{Kata: k.ID, Outcome: Failing, RaceChecked: r.Race, Findings: []diagnose.Finding{missing}}, true
		}
	}
	return Verdict{}, false
}

// notes are the sentences every verdict of this runner carries.
func (r *Runner) notes() []string {
	if r.Race {
		return nil
	}
	return []string{"race checks did not run: the race detector needs cgo and a C compiler (run `kata doctor`)"}
}

// goError turns a go command that could not start into ErrNoGo.
func goError(what string, err error) error {
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
		return toolchain.ErrNoGo
	}
	return fmt.Errorf("%s: %w", what, err)
}

// hasKind reports whether a finding of kind k is among fs.
func hasKind(fs []diagnose.Finding, k diagnose.Kind) bool {
	return slices.ContainsFunc(fs, func(f diagnose.Finding) bool { return f.Kind == k })
}

// incomplete lists the tests that were still running when the binary
// stopped, as finding details.
func incomplete(tests []diagnose.TestResult, prefix string) (first string, details []string) {
	for _, t := range tests {
		if t.Outcome == "incomplete" {
			first = cmp.Or(first, t.Name)
			details = append(details, prefix+t.Name)
		}
	}
	return first, details
}

// trimmed is output as one block of text without surrounding blank lines.
func trimmed(out []byte) string { return strings.TrimSpace(string(out)) }

// NewRunner probes the go command (toolchain.Probe) and returns a runner for
// the workbook at root: with -race when the race detector can work here,
// without it when it cannot, saying why in warnings (the katas can be
// checked, but race findings will not show). A fatal problem (no usable
// go command) is an error whose message says what to install.
func NewRunner(ctx context.Context, root string) (r *Runner, warnings []toolchain.Problem, err error) {
	info, err := toolchain.Probe(ctx, "")
	if err != nil {
		return nil, nil, err
	}
	for _, p := range info.Problems() {
		if p.Fatal {
			return nil, nil, fmt.Errorf("%s\n  fix: %s", p.What, p.Fix)
		}
		warnings = append(warnings, p)
	}
	return &Runner{Root: root, Race: info.RaceOK()}, warnings, nil
}
