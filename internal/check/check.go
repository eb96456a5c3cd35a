// Package check runs one attempt at a kata: its tests under -race with
// goleak, then go vet, and turns them into one verdict. Every face (CLI, TUI,
// verify) judges a kata through this package.
package check

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/diagnose"
	"github.com/gokatas/concurrency/internal/proc"
	"github.com/gokatas/concurrency/internal/testjson"
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
	// Duration is the wall time of the attempt.
	Duration time.Duration `json:"duration_ns"`
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

// DefaultTimeout bounds one test run when Runner.Timeout is zero. The
// katas' own guards fire in about a second; this catches what they miss.
const DefaultTimeout = 30 * time.Second

// timeoutGrace is how long the test binary gets past its own -timeout to
// print its report before the whole process group is killed.
const timeoutGrace = 5 * time.Second

// buildAllowance bounds the build before the test binary starts (a first
// race build of the standard library takes tens of seconds).
const buildAllowance = 5 * time.Minute

// errHardBound is the cause of a run stopped after the test binary outlived
// its own -timeout.
var errHardBound = errors.New("the test binary outlived its -timeout")

// hasKind reports whether a finding of kind k is among fs.
func hasKind(fs []diagnose.Finding, k diagnose.Kind) bool {
	for _, f := range fs {
		if f.Kind == k {
			return true
		}
	}
	return false
}

// maxOutput caps the raw output a Verdict keeps.
const maxOutput = 2 << 20

// Run runs one attempt at k. If updates is non-nil, Run sends progress to it
// (blocking: the caller must drain it) and closes it before returning.
// A failing kata is not an error: err is for a run that could not happen at
// all (no go command, context cancelled).
func (r *Runner) Run(ctx context.Context, k catalog.Kata, updates chan<- Update) (Verdict, error) {
	if updates != nil {
		defer close(updates)
	}
	send := func(u Update) {
		if updates != nil {
			select {
			case updates <- u:
			case <-ctx.Done():
			}
		}
	}
	start := time.Now()
	v := Verdict{Kata: k.ID, RaceChecked: r.Race}
	goCmd := cmp.Or(r.Go, "go")
	timeout := cmp.Or(r.Timeout, DefaultTimeout)
	opts := diagnose.Options{Root: r.Root, KataDir: k.Dir}

	overlayArgs, cleanup, err := r.overlay()
	if err != nil {
		return Verdict{}, err
	}
	defer cleanup()

	send(Update{Phase: PhaseBuilding})
	for _, f := range k.Files {
		if _, err := os.Stat(filepath.Join(r.Root, filepath.FromSlash(k.Dir), f)); errors.Is(err, fs.ErrNotExist) {
			v.Outcome = Failing
			missing := diagnose.Finding{Kind: diagnose.KindBuild,
				Message:  fmt.Sprintf("%s/%s is missing: restore it with `kata reset %s`", k.Dir, f, k.ID),
				Location: diagnose.Location{File: k.Dir + "/" + f}}
			v.Findings = append(v.Findings, missing)
			send(Update{Finding: &missing})
			v.Duration = time.Since(start)
			send(Update{Phase: PhaseDone})
			return v, nil
		}
	}

	args := []string{"test", "-json", "-count=1", fmt.Sprintf("-timeout=%s", timeout)}
	if r.Race {
		args = append(args, "-race")
	} else {
		v.Notes = append(v.Notes, "race checks did not run: the race detector needs cgo and a C compiler (run `kata doctor`)")
	}
	args = append(append(args, overlayArgs...), "./"+k.Dir)

	// go vet runs while the tests do (it only matters if they pass): a solved
	// kata's verdict then costs the tests' time, not tests plus vet. The
	// goroutine is owned by Run: it is cancelled and waited for on every path.
	vetCtx, cancelVet := context.WithCancel(ctx)
	vetDone := make(chan vetResult, 1)
	go func() {
		res, err := proc.Run(vetCtx, proc.Cmd{
			Path: goCmd, Args: append(append([]string{"vet"}, overlayArgs...), "./"+k.Dir),
			Dir: r.Root, Env: env(), Timeout: 2 * time.Minute, MaxOutput: 1 << 20,
		})
		vetDone <- vetResult{res: res, err: err}
	}()
	defer func() {
		cancelVet()
		<-vetDone
	}()

	d := diagnose.New(opts)
	var dec LineDecoder
	started := false
	// The test binary's own -timeout cannot fire while it is still in its
	// init functions (the alarm starts in testing.M.Run), and the build
	// before it may take minutes on a cold cache. So the hard bound starts
	// when the binary does: timeout plus a grace for its own timeout report.
	runCtx, stopRun := context.WithCancelCause(ctx)
	defer stopRun(nil)
	var watchdog *time.Timer
	defer func() {
		if watchdog != nil {
			watchdog.Stop()
		}
	}()
	hardBound := timeout + timeoutGrace
	res, err := proc.Run(runCtx, proc.Cmd{
		Path: goCmd, Args: args, Dir: r.Root, Env: env(),
		Timeout: timeout + buildAllowance, MaxOutput: maxOutput,
		OnLine: func(line string) {
			ev := dec.Decode(line)
			if watchdog == nil && ev.Action == "start" {
				watchdog = time.AfterFunc(hardBound, func() { stopRun(errHardBound) })
			}
			if !started && ev.Action == "run" {
				started = true
				send(Update{Phase: PhaseTesting})
			}
			if ev.Output != "" {
				send(Update{Line: strings.TrimRight(ev.Output, "\n")})
			}
			for _, f := range d.Feed(ev) {
				send(Update{Finding: &f})
			}
		},
	})
	stoppedAt := ""
	switch {
	case err != nil && ctx.Err() == nil && errors.Is(context.Cause(runCtx), errHardBound):
		err, stoppedAt = nil, hardBound.String()
	case err == nil && res.TimedOut:
		stoppedAt = (timeout + buildAllowance).String()
	}
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
			return Verdict{}, toolchain.ErrNoGo
		}
		return Verdict{}, fmt.Errorf("check %s: %w", k.ID, err)
	}
	diag := d.Result()
	v.Output = string(res.Output)
	v.Findings, v.Tests = diag.Findings, diag.Tests
	if stoppedAt != "" && !hasKind(v.Findings, diagnose.KindTimeout) {
		f := diagnose.Finding{Kind: diagnose.KindTimeout,
			Message: fmt.Sprintf("the test run did not end within %s and was stopped: an endless loop or a block outside the tests' guards (in an init function?)", stoppedAt)}
		for _, t := range diag.Tests {
			if t.Outcome == "incomplete" {
				f.Test = t.Name
				f.Details = append(f.Details, "still running when it was stopped: "+t.Name)
			}
		}
		v.Findings = append(v.Findings, f)
	}
	testsPassed := diag.Passed && res.ExitCode == 0 && len(v.Findings) == 0
	if !testsPassed && len(v.Findings) == 0 {
		f := diagnose.Finding{Kind: diagnose.KindPanic,
			Message: fmt.Sprintf("the test binary stopped before the tests finished, without a report (exit status %d): does the code call os.Exit or log.Fatal?", res.ExitCode)}
		for _, t := range diag.Tests {
			if t.Outcome == "incomplete" {
				f.Test = t.Name
				f.Details = append(f.Details, "still running when it stopped: "+t.Name)
			}
		}
		v.Findings = append(v.Findings, f)
	}
	if testsPassed {
		send(Update{Phase: PhaseVetting})
		vr := <-vetDone
		vetDone <- vr // for the deferred wait
		vres, err := vr.res, vr.err
		if err != nil {
			return Verdict{}, fmt.Errorf("vet %s: %w", k.ID, err)
		}
		if vres.ExitCode != 0 {
			vet := diagnose.ParseVet(vres.Output, opts)
			if len(vet) == 0 {
				vet = []diagnose.Finding{{Kind: diagnose.KindVet, Message: strings.TrimSpace(string(vres.Output))}}
			}
			for _, f := range vet {
				send(Update{Finding: &f})
			}
			v.Findings = append(v.Findings, vet...)
		}
	}
	switch {
	case !testsPassed:
		v.Outcome = Failing
	case len(v.Findings) > 0 || !r.Race:
		v.Outcome = Almost
	default:
		v.Outcome = Solved
	}
	if v.Findings == nil {
		v.Findings = []diagnose.Finding{}
	}
	v.Duration = time.Since(start)
	send(Update{Phase: PhaseDone})
	return v, nil
}

// vetResult is how the concurrent go vet ended.
type vetResult struct {
	res proc.Result
	err error
}

// overlay writes Runner.Overlay as a go -overlay file.
func (r *Runner) overlay() (args []string, cleanup func(), err error) {
	if len(r.Overlay) == 0 {
		return nil, func() {}, nil
	}
	f, err := os.CreateTemp("", "kata-overlay-*.json")
	if err != nil {
		return nil, nil, fmt.Errorf("overlay: %w", err)
	}
	cleanup = func() { os.Remove(f.Name()) }
	if err := json.NewEncoder(f).Encode(map[string]any{"Replace": r.Overlay}); err != nil {
		f.Close()
		cleanup()
		return nil, nil, fmt.Errorf("overlay: %w", err)
	}
	if err := f.Close(); err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("overlay: %w", err)
	}
	return []string{"-overlay=" + f.Name()}, cleanup, nil
}

// env is the environment of the go command: the race detector's one-second
// exit pause is switched off.
func env() []string {
	return append(os.Environ(), "GORACE=atexit_sleep_ms=0")
}

// LineDecoder decodes `go test -json` output handed over one line at a time
// (as proc.Cmd.OnLine does), through one testjson.Decoder for the whole
// stream. The zero value is ready to use; it is not safe for concurrent use.
type LineDecoder struct {
	src lineReader
	dec *testjson.Decoder
}

// Decode returns the event on line (a line that is not JSON comes back as
// an output event).
func (d *LineDecoder) Decode(line string) testjson.Event {
	if d.dec == nil {
		d.dec = testjson.NewDecoder(&d.src)
	}
	d.src.line, d.src.off = line, 0
	ev, err := d.dec.Next()
	if err != nil {
		return testjson.Event{Action: "output", Output: line + "\n"}
	}
	return ev
}

// lineReader hands the decoder the current line and its newline, then EOF
// until the next line is set.
type lineReader struct {
	line string
	off  int // bytes of line + "\n" already read
}

// Read implements io.Reader.
func (r *lineReader) Read(p []byte) (int, error) {
	if r.off > len(r.line) {
		return 0, io.EOF
	}
	n := copy(p, r.line[r.off:])
	r.off += n
	if n < len(p) && r.off == len(r.line) {
		p[n] = '\n'
		r.off++
		n++
	}
	return n, nil
}
