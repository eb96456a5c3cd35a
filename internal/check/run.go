package check

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gokatas/concurrency/internal/diagnose"
	"github.com/gokatas/concurrency/internal/proc"
	"github.com/gokatas/concurrency/internal/testjson"
)

// Env is what may differ between runs of one binary.
type Env struct {
	// Procs is GOMAXPROCS (0: the machine's).
	Procs int
	// GOGC is the collector's setting ("": the default).
	GOGC string
	// Trace, when set, is the file the execution tracer writes (-test.trace).
	Trace string
	// Run, when set, selects the tests to run (-test.run).
	Run string
}

// timeoutGrace is how long the test binary gets past its own -timeout to
// print its report before the whole process group is killed.
const timeoutGrace = 5 * time.Second

// Test runs b once, in a fresh process through test2json, bounded by the
// runner's Timeout, and judges that run alone (go vet is not part of it).
// send, if set, hears every line of output and every finding as it comes.
func (r *Runner) Test(ctx context.Context, b *Binary, e Env, send func(Update)) (Verdict, error) {
	d := diagnose.New(r.diagnoseOptions(b))
	res, err := r.exec(ctx, b, e, func(ev testjson.Event) {
		if ev.Output != "" && send != nil {
			send(Update{Line: strings.TrimRight(ev.Output, "\n")})
		}
		for _, f := range d.Feed(ev) {
			if send != nil {
				send(Update{Finding: &f})
			}
		}
	})
	if err != nil {
		return Verdict{}, fmt.Errorf("check %s: %w", b.Kata.ID, err)
	}
	return r.testVerdict(b, d.Result(), res), nil
}

// exec runs the binary through test2json in its own process group, with the
// race detector's exit pause off, killed at the runner's timeout plus a grace.
func (r *Runner) exec(ctx context.Context, b *Binary, e Env, onEvent func(testjson.Event)) (proc.Result, error) {
	test2json, err := r.tools.test2JSON(ctx, r.goCmd())
	if err != nil {
		return proc.Result{}, err
	}
	env := append(os.Environ(), "GORACE=atexit_sleep_ms=0")
	if e.Procs > 0 {
		env = append(env, "GOMAXPROCS="+strconv.Itoa(e.Procs))
	}
	if e.GOGC != "" {
		env = append(env, "GOGC="+e.GOGC)
	}
	args := []string{"-t", "-p", b.importPath, b.Path, "-test.v=test2json", "-test.count=1", "-test.timeout=" + r.timeout().String()}
	if e.Trace != "" {
		args = append(args, "-test.trace="+e.Trace)
	}
	if e.Run != "" {
		args = append(args, "-test.run="+e.Run)
	}
	if e.Trace != "" {
		args = append(args, "-test.trace="+e.Trace)
	}
	if e.Run != "" {
		args = append(args, "-test.run="+e.Run)
	}
	if e.Run != "" {
		args = append(args, "-test.run="+e.Run)
	}
	return proc.Run(ctx, proc.Cmd{
		Path: test2json, Args: args, Dir: filepath.Join(r.Root, filepath.FromSlash(b.Kata.Dir)), Env: env,
		Timeout: r.timeout() + timeoutGrace, MaxOutput: maxOutput,
		OnLine: func(line string) { onEvent(testjson.Parse([]byte(line))) },
	})
}

// testVerdict judges one run: failing with a reason, or passing (solved, or
// almost without the race detector). go vet comes later (withVet).
func (r *Runner) testVerdict(b *Binary, diag diagnose.Result, res proc.Result) Verdict {
	v := Verdict{Kata: b.Kata.ID, RaceChecked: r.Race, Notes: r.notes(), Output: string(res.Output),
		Findings: diag.Findings, Tests: diag.Tests}
	if res.TimedOut && !hasKind(v.Findings, diagnose.KindTimeout) {
		f := diagnose.Finding{Kind: diagnose.KindTimeout,
			Message: fmt.Sprintf("the test run did not end within %s and was stopped: an endless loop or a block outside the tests' guards (in an init function?)", r.timeout()+timeoutGrace)}
		f.Test, f.Details = incomplete(diag.Tests, "still running when it was stopped: ")
		v.Findings = append(v.Findings, f)
	}
	passed := diag.Passed && res.ExitCode == 0 && len(v.Findings) == 0
	if !passed && len(v.Findings) == 0 {
		f := diagnose.Finding{Kind: diagnose.KindPanic,
			Message: fmt.Sprintf("the test binary stopped before the tests finished, without a report (exit status %d): does the code call os.Exit or log.Fatal?", res.ExitCode)}
		f.Test, f.Details = incomplete(diag.Tests, "still running when it stopped: ")
		v.Findings = append(v.Findings, f)
	}
	switch {
	case !passed:
		v.Outcome = Failing
	case !r.Race:
		v.Outcome = Almost
	default:
		v.Outcome = Solved
	}
	if v.Findings == nil {
		v.Findings = []diagnose.Finding{}
	}
	return v
}

// tools finds the toolchain's test2json once per runner, so each run starts
// it directly instead of through `go tool` (which may build it first).
type tools struct {
	mu        sync.Mutex
	test2json string
}

func (t *tools) test2JSON(ctx context.Context, goCmd string) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.test2json != "" {
		return t.test2json, nil
	}
	res, err := proc.Run(ctx, proc.Cmd{Path: goCmd, Args: []string{"tool", "-n", "test2json"}, Env: os.Environ()})
	if err != nil {
		return "", goError("find test2json", err)
	}
	p := trimmed(res.Output)
	if res.ExitCode != 0 || p == "" {
		return "", fmt.Errorf("find test2json: go tool -n test2json: %s", p)
	}
	t.test2json = p
	return p, nil
}
