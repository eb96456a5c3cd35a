// Package check runs one attempt at a kata: its tests under -race with
// goleak, then go vet, and turns them into one verdict. Every face (CLI, TUI,
// verify) judges a kata through this package.
package check

import (
	"context"
	"errors"
	"time"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/diagnose"
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
	Phase   Phase             `json:"phase,omitempty"`
	Line    string            `json:"line,omitempty"` // one line of raw test output
	Finding *diagnose.Finding `json:"finding,omitempty"`
}

// Verdict is the result of one attempt.
type Verdict struct {
	Kata     string                `json:"kata"`
	Outcome  Outcome               `json:"outcome"`
	Findings []diagnose.Finding    `json:"findings"`
	Tests    []diagnose.TestResult `json:"tests"`
	// RaceChecked is false when -race could not be used (no cgo / C compiler).
	RaceChecked bool          `json:"race_checked"`
	Duration    time.Duration `json:"duration_ns"`
	// Notes are plain sentences for the learner (e.g. "race checks did not run: ...").
	Notes []string `json:"notes,omitempty"`
	// Output is the raw output of the run, capped in size.
	Output string `json:"-"`
}

// Runner runs attempts. The zero value is not usable; see the fields.
type Runner struct {
	// Root is the absolute repository root.
	Root string
	// Go is the go command to run ("go" on PATH when empty).
	Go string
	// Race enables -race; set it from a toolchain check.
	Race bool
	// Timeout bounds one test run (the whole process group is killed after it).
	Timeout time.Duration
	// Overlay optionally replaces files for the build (go test -overlay), by absolute path.
	Overlay map[string]string
}

// ErrNotImplemented is temporary. TODO(engine-run): remove.
var ErrNotImplemented = errors.New("not implemented")

// Run runs one attempt at k. If updates is non-nil, Run sends progress to it
// (blocking: the caller must drain it) and closes it before returning.
// A failing kata is not an error: err is for a run that could not happen at
// all (no go command, context cancelled).
func (r *Runner) Run(ctx context.Context, k catalog.Kata, updates chan<- Update) (Verdict, error) {
	if updates != nil {
		close(updates)
	}
	return Verdict{}, ErrNotImplemented // TODO(engine-run): implement
}
