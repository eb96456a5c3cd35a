// Package verify is the workbook's self-check: it proves that every kata, as
// shipped, fails with every detector it declares, and that every solution
// passes under -race with goleak and a clean go vet — in fresh processes, at
// several GOMAXPROCS values, as many times as asked.
package verify

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/check"
	"github.com/gokatas/concurrency/internal/diagnose"
	"github.com/gokatas/concurrency/internal/proc"
	"github.com/gokatas/concurrency/internal/pristine"
)

// Detector is a catalog detector: a way a buggy kata is caught.
type Detector = catalog.Detector

// Variant is which version of a kata is judged.
type Variant string

// The variants.
const (
	Buggy  Variant = "buggy"  // the kata as shipped: must fail, every declared detector firing
	Solved Variant = "solved" // the kata with its solution overlaid: must pass, vet clean
)

// testTimeout is the -test.timeout of each run: a kata's run takes under
// 3 s (CONTRIBUTING.md), so this only catches a hang the guards missed.
const testTimeout = 30 * time.Second

// defaultProcs are the GOMAXPROCS values each variant runs at.
func defaultProcs() []int { return []int{1, 2, 4} }

// Options configure a self-check.
type Options struct {
	// Catalog is the loaded workbook; Katas the katas to check (all when empty).
	Catalog *catalog.Catalog
	Katas   []catalog.Kata
	// Runs is how many fresh processes per GOMAXPROCS value (at least 1).
	Runs int
	// Procs are the GOMAXPROCS values (1, 2, 4 when empty).
	Procs []int
	// Parallel is how many kata variants are checked at once (1 when < 1).
	Parallel int
	// Go is the go command ("go" when empty).
	Go string
	// StateDir holds snapshots of the originals (see pristine.Originals).
	StateDir string
	// Progress, if set, receives one line per finished step. It is called
	// from several goroutines, one call at a time.
	Progress func(line string)
}

// Run is one process's outcome.
type Run struct {
	// Procs is the GOMAXPROCS of the run.
	Procs int `json:"gomaxprocs"`
	// N numbers the runs at one GOMAXPROCS value from 1.
	N int `json:"run"`
	// Passed: the package passed with no finding.
	Passed bool `json:"passed"`
	// Fired are the detectors whose findings the diagnosis made.
	Fired []Detector `json:"fired"`
	// Markers are the detectors whose own words are in the raw output (a
	// cross-check: a marker without a finding is a gap in the diagnosis).
	Markers []Detector `json:"markers,omitempty"`
	// Output is where the raw output of a run that missed its expectation
	// was kept (under the state folder), for a closer look.
	Output string `json:"output,omitempty"`
	// TimedOut: the test binary hit its own -test.timeout.
	TimedOut bool `json:"timed_out,omitempty"`
	// Findings are one line per kind of finding the diagnosis made.
	Findings []string `json:"findings,omitempty"`
	// Duration is the run's wall time.
	Duration time.Duration `json:"duration_ns"`
}

// Row is the verdict on one kata variant.
type Row struct {
	// Kata is the kata's ID; Variant which version of it was judged.
	Kata    string  `json:"kata"`
	Variant Variant `json:"variant"`
	// Expected and Observed say, in a few words, what should and did happen.
	Expected string `json:"expected"`
	Observed string `json:"observed"`
	// OK: every run met the expectation (and, for Solved, vet is clean).
	OK bool `json:"ok"`
	// Flaky: some runs met the expectation and some did not.
	Flaky bool `json:"flaky"`
	// RunsOK of Runs met the expectation.
	RunsOK int `json:"runs_ok"`
	Runs   int `json:"runs"`
	// Duration is the wall time of the variant: build, vet and runs.
	Duration time.Duration `json:"duration_ns"`
	// Problems say what went wrong, naming the run that flipped.
	Problems []string `json:"problems,omitempty"`
	// Notes say how the kata was judged (e.g. originals taken from git HEAD).
	Notes []string `json:"notes,omitempty"`
	// Details are the runs, in the order they ran.
	Details []Run `json:"details,omitempty"`
}

// Report is a whole self-check.
type Report struct {
	// Rows are two per kata (buggy, solved), in kata order.
	Rows []Row `json:"rows"`
	// Passed and Failed count the rows.
	Passed int `json:"passed"`
	Failed int `json:"failed"`
	// Duration is the wall time of the whole self-check.
	Duration time.Duration `json:"duration_ns"`
}

// Check runs the self-check. An error means it could not run at all; a kata
// that misbehaves is a failed Row.
func Check(ctx context.Context, o Options) (Report, error) {
	start := time.Now()
	if o.Runs < 1 {
		o.Runs = 1
	}
	if len(o.Procs) == 0 {
		o.Procs = defaultProcs()
	}
	if o.Parallel < 1 {
		o.Parallel = 1
	}
	if o.Go == "" {
		o.Go = "go"
	}
	if len(o.Katas) == 0 {
		o.Katas = o.Catalog.Katas
	}
	tmp, err := os.MkdirTemp("", "kata-verify-")
	if err != nil {
		return Report{}, fmt.Errorf("verify: %w", err)
	}
	defer os.RemoveAll(tmp)
	test2json, err := findTest2JSON(ctx, o.Go)
	if err != nil {
		return Report{}, err
	}

	type job struct {
		kata    catalog.Kata
		variant Variant
		index   int
	}
	// Rows stay in kata order; the work starts with the buggy variants,
	// the slow ones (each failing leak check and guard costs about a
	// second), so the parallel workers finish close together.
	var jobs []job
	for _, v := range []Variant{Buggy, Solved} {
		for i, k := range o.Katas {
			idx := 2 * i
			if v == Solved {
				idx++
			}
			jobs = append(jobs, job{kata: k, variant: v, index: idx})
		}
	}
	rows := make([]Row, len(jobs))
	queue := make(chan job)
	var wg sync.WaitGroup
	var progressMu sync.Mutex
	progress := func(line string) {
		if o.Progress == nil {
			return
		}
		progressMu.Lock()
		defer progressMu.Unlock()
		o.Progress(line)
	}
	c := checker{o: o, tmp: tmp, test2json: test2json}
	for range min(o.Parallel, len(jobs)) {
		wg.Go(func() {
			for j := range queue {
				rows[j.index] = c.variant(ctx, j.kata, j.variant)
				r := rows[j.index]
				progress(fmt.Sprintf("%s %s: %s (%d/%d runs, %s)", r.Kata, r.Variant, verdictWord(r), r.RunsOK, r.Runs, r.Duration.Round(100*time.Millisecond)))
			}
		})
	}
feed:
	for _, j := range jobs {
		select {
		case queue <- j:
		case <-ctx.Done():
			break feed
		}
	}
	close(queue)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return Report{}, fmt.Errorf("verify: %w", err)
	}
	rep := Report{Rows: rows, Duration: time.Since(start)}
	for _, r := range rows {
		if r.OK {
			rep.Passed++
		} else {
			rep.Failed++
		}
	}
	return rep, nil
}

func verdictWord(r Row) string {
	switch {
	case r.OK:
		return "ok"
	case r.Flaky:
		return "FLAKY"
	default:
		return "FAILED"
	}
}

// checker holds what every variant check shares.
type checker struct {
	o         Options
	tmp       string
	test2json string
}

// variant builds one variant's test binary once and runs it Runs times per
// GOMAXPROCS value, each in a fresh process.
func (c checker) variant(ctx context.Context, k catalog.Kata, v Variant) (row Row) {
	start := time.Now()
	row = Row{Kata: k.ID, Variant: v}
	defer func() { row.Duration = time.Since(start) }()
	if v == Buggy {
		row.Expected = "fail: " + joinDetectors(k.Detectors)
	} else {
		row.Expected = "pass, vet clean"
	}
	fail := func(format string, args ...any) Row {
		row.Problems = append(row.Problems, fmt.Sprintf(format, args...))
		row.Observed = "not run"
		return row
	}

	overlay := map[string]string{}
	if v == Buggy {
		origs, notes, err := pristine.Originals(ctx, c.o.Catalog, k, c.o.StateDir)
		if err != nil {
			return fail("%v", err)
		}
		row.Notes = notes
		for f, content := range origs {
			if content == nil {
				continue // the working file is the original
			}
			p := filepath.Join(c.tmp, k.ID+"-orig-"+f)
			if err := os.WriteFile(p, content, 0o644); err != nil {
				return fail("write original: %v", err)
			}
			overlay[c.o.Catalog.Path(k.Dir, f)] = p
		}
	} else {
		if !c.o.Catalog.HasSolutions(k) {
			return fail("no solution files in %s", k.SolutionDir)
		}
		for _, f := range k.Files {
			overlay[c.o.Catalog.Path(k.Dir, f)] = c.o.Catalog.Path(k.SolutionDir, f)
		}
	}
	var overlayArgs []string
	if len(overlay) > 0 {
		data, err := json.Marshal(map[string]any{"Replace": overlay})
		if err != nil {
			return fail("overlay: %v", err)
		}
		p := filepath.Join(c.tmp, fmt.Sprintf("%s-%s-overlay.json", k.ID, v))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return fail("overlay: %v", err)
		}
		overlayArgs = []string{"-overlay=" + p}
	}

	pkg := "./" + k.Dir
	// go vet on the solution runs alongside the build and the runs; the
	// goroutine is owned here: cancelled and waited for on every path.
	vetDone := make(chan vetResult, 1)
	if v == Solved {
		vetCtx, cancelVet := context.WithCancel(ctx)
		go func() {
			res, err := proc.Run(vetCtx, proc.Cmd{
				Path: c.o.Go, Args: append(append([]string{"vet"}, overlayArgs...), pkg), Dir: c.o.Catalog.Root,
				Env: os.Environ(), Timeout: 5 * time.Minute, MaxOutput: 64 << 10,
			})
			vetDone <- vetResult{res: res, err: err}
		}()
		defer func() {
			cancelVet()
			vr := <-vetDone
			vetDone <- vr
		}()
	}
	bin := filepath.Join(c.tmp, fmt.Sprintf("%s-%s.test", k.ID, v))
	buildArgs := append([]string{"test", "-c", "-race", "-o", bin}, overlayArgs...)
	res, err := proc.Run(ctx, proc.Cmd{
		Path: c.o.Go, Args: append(buildArgs, pkg), Dir: c.o.Catalog.Root,
		Env: os.Environ(), Timeout: 10 * time.Minute, MaxOutput: 64 << 10,
	})
	if err != nil {
		return fail("build: %v", err)
	}
	if res.ExitCode != 0 {
		return fail("the %s kata does not build:\n%s", v, strings.TrimSpace(string(res.Output)))
	}

	importPath := path.Join(modulePath(c.o.Catalog.Root), k.Dir)
	var common []Detector
	for i, procs := range c.o.Procs {
		for n := 1; n <= c.o.Runs; n++ {
			run, err := c.runOnce(ctx, k, v, bin, importPath, procs, n)
			if err != nil {
				return fail("run: %v", err)
			}
			row.Details = append(row.Details, run)
			row.Runs++
			if i == 0 && n == 1 {
				common = run.Fired
			} else {
				common = intersect(common, run.Fired)
			}
			if problem := judge(k, v, run); problem != "" {
				if run.Output != "" {
					problem += " [output: " + run.Output + "]"
				}
				row.Problems = append(row.Problems, fmt.Sprintf("GOMAXPROCS=%d run %d: %s", procs, n, problem))
			} else {
				row.RunsOK++
			}
		}
	}
	vetOK := true
	if v == Solved {
		vr := <-vetDone
		vetDone <- vr // for the deferred wait
		switch {
		case vr.err != nil:
			return fail("vet: %v", vr.err)
		case vr.res.ExitCode != 0:
			vetOK = false
			row.Problems = append(row.Problems, "go vet is not clean on the solution:\n"+strings.TrimSpace(string(vr.res.Output)))
		}
	}
	row.OK = row.RunsOK == row.Runs && vetOK
	row.Flaky = row.RunsOK > 0 && row.RunsOK < row.Runs
	row.Observed = observed(v, row, common, vetOK)
	if len(row.Problems) > 5 {
		row.Problems = append(row.Problems[:5], fmt.Sprintf("... and %d more", len(row.Problems)-5))
	}
	return row
}

// vetResult is how a concurrent go vet ended.
type vetResult struct {
	res proc.Result
	err error
}

// runOnce runs a built test binary through test2json in a fresh process and
// judges its output through the same diagnosis as `kata check`: which
// detectors fired is read from the findings, not from the exit code.
func (c checker) runOnce(ctx context.Context, k catalog.Kata, v Variant, bin, importPath string, procs, n int) (Run, error) {
	env := append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(procs), "GORACE=atexit_sleep_ms=0")
	d := diagnose.New(diagnose.Options{Root: c.o.Catalog.Root, KataDir: k.Dir})
	var dec check.LineDecoder
	markers := map[Detector]bool{}
	// The raw stream goes to a file, kept only if the run does not meet
	// its expectation: the evidence for a flaky kata or a diagnosis gap.
	raw, err := os.CreateTemp(c.tmp, fmt.Sprintf("%s-%s-gomaxprocs%d-run%d-*.jsonl", k.ID, v, procs, n))
	if err != nil {
		return Run{}, fmt.Errorf("run: %w", err)
	}
	defer os.Remove(raw.Name())
	defer raw.Close()
	w := bufio.NewWriter(raw)
	written := 0
	res, err := proc.Run(ctx, proc.Cmd{
		Path: c.test2json,
		Args: []string{"-t", "-p", importPath, bin, "-test.v=test2json", "-test.count=1", "-test.timeout=" + testTimeout.String()},
		Dir:  c.o.Catalog.Path(k.Dir), Env: env, Timeout: testTimeout + time.Minute, MaxOutput: 1 << 10,
		OnLine: func(line string) {
			if written+len(line) < maxEvidence {
				w.WriteString(line)
				w.WriteByte('\n')
				written += len(line) + 1
			}
			ev := dec.Decode(line)
			diagnose.MarkedKinds(ev.Output, markers)
			d.Feed(ev)
		},
	})
	if err != nil {
		return Run{}, err
	}
	diag := d.Result()
	run := Run{Procs: procs, N: n, Passed: diag.Passed && len(diag.Findings) == 0, TimedOut: res.TimedOut, Duration: res.Duration}
	seen := map[diagnose.Kind]bool{}
	for _, f := range diag.Findings {
		if f.Kind == diagnose.KindTimeout {
			run.TimedOut = true
		}
		if !seen[f.Kind] {
			seen[f.Kind] = true
			run.Findings = append(run.Findings, summary(f))
		}
	}
	for _, det := range catalog.KnownDetectors() {
		if seen[diagnose.Kind(det)] {
			run.Fired = append(run.Fired, det)
		}
		if markers[det] {
			run.Markers = append(run.Markers, det)
		}
	}
	if judge(k, v, run) != "" && c.o.StateDir != "" {
		run.Output = c.keep(raw, w)
	}
	return run, nil
}

// maxEvidence caps the raw output kept of one run.
const maxEvidence = 8 << 20

// keep copies a run's raw output to <state>/verify/, returning its path ("" on failure).
func (c checker) keep(raw *os.File, w *bufio.Writer) string {
	if err := w.Flush(); err != nil {
		return ""
	}
	dir := filepath.Join(c.o.StateDir, "verify")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return ""
	}
	dst := filepath.Join(dir, strings.TrimSuffix(filepath.Base(raw.Name()), filepath.Ext(raw.Name())))
	dst = dst[:strings.LastIndexByte(dst, '-')] + ".jsonl" // drop CreateTemp's random part
	data, err := os.ReadFile(raw.Name())
	if err != nil || os.WriteFile(dst, data, 0o644) != nil {
		return ""
	}
	return dst
}

// scanMarkers records the detectors whose own words are in text: a
// cross-check of the diagnosis, so a detector that fired but was not
// diagnosed is reported as a diagnosis gap rather than as a flaky kata.
func scanMarkers(text string, seen map[Detector]bool) {
	markers := [...]struct {
		text     string
		detector Detector
	}{
		{"WARNING: DATA RACE", catalog.Race},
		{"found unexpected goroutines", catalog.Leak},
		{"main bubble goroutine has exited but blocked goroutines remain", catalog.Leak},
		{"deadlock guard:", catalog.Deadlock},
		{"all goroutines are asleep - deadlock!", catalog.Deadlock},
		{"all goroutines in bubble are blocked", catalog.Deadlock},
		{"Error Trace:", catalog.Assertion},
	}
	for _, m := range markers {
		if strings.Contains(text, m.text) {
			seen[m.detector] = true
		}
	}
}

// summary is one line on a finding, for a problem report.
func summary(f diagnose.Finding) string {
	s := string(f.Kind) + ": " + f.Message
	if f.File != "" && f.Line > 0 {
		s += fmt.Sprintf(" (%s:%d)", f.File, f.Line)
	}
	if f.Test != "" {
		s += " in " + f.Test
	}
	return s
}

// judge says what is wrong with one run, or "" when it met the expectation.
func judge(k catalog.Kata, v Variant, r Run) string {
	if v == Solved {
		switch {
		case r.TimedOut:
			return "the solution timed out"
		case !r.Passed && len(r.Findings) > 0:
			return "the solution failed: " + strings.Join(r.Findings, "; ")
		case !r.Passed:
			return "the solution failed, with no finding"
		}
		return ""
	}
	if r.Passed {
		return "the buggy kata passed"
	}
	if r.TimedOut {
		return "the buggy kata timed out (a hang the deadlock guards missed): " + strings.Join(r.Findings, "; ")
	}
	var missing []Detector
	for _, d := range k.Detectors {
		if !slices.Contains(r.Fired, Detector(d)) {
			missing = append(missing, Detector(d))
		}
	}
	if len(missing) > 0 {
		var gap []Detector
		for _, d := range missing {
			if slices.Contains(r.Markers, d) {
				gap = append(gap, d)
			}
		}
		if len(gap) > 0 {
			return fmt.Sprintf("declared detector(s) did not fire: %s; the raw output does show %s, so the diagnosis missed it (internal/diagnose)",
				joinDetectors(missing), joinDetectors(gap))
		}
		return "declared detector(s) did not fire: " + joinDetectors(missing)
	}
	return ""
}

func observed(v Variant, row Row, common []Detector, vetOK bool) string {
	switch {
	case v == Solved && row.RunsOK == row.Runs && vetOK:
		return "pass, vet clean"
	case v == Solved && row.RunsOK == row.Runs:
		return "pass, vet NOT clean"
	case v == Solved && row.Flaky:
		return fmt.Sprintf("FLAKY: failed %d of %d runs", row.Runs-row.RunsOK, row.Runs)
	case v == Solved:
		return fmt.Sprintf("failed %d of %d runs", row.Runs-row.RunsOK, row.Runs)
	case row.RunsOK == row.Runs:
		return "fail: " + joinDetectors(common)
	case row.Flaky:
		return fmt.Sprintf("FLAKY: %s in every run; %d of %d runs short", orNone(joinDetectors(common)), row.Runs-row.RunsOK, row.Runs)
	default:
		return fmt.Sprintf("fail: %s in every run; %d of %d runs short", orNone(joinDetectors(common)), row.Runs-row.RunsOK, row.Runs)
	}
}

func orNone(s string) string {
	if s == "" {
		return "no detector"
	}
	return s
}

func intersect(a, b []Detector) []Detector {
	var out []Detector
	for _, d := range a {
		if slices.Contains(b, d) {
			out = append(out, d)
		}
	}
	return out
}

func joinDetectors[D ~string](ds []D) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = string(d)
	}
	return strings.Join(s, " ")
}

// findTest2JSON returns the path of the toolchain's test2json, so each run
// starts it directly instead of through `go tool`.
func findTest2JSON(ctx context.Context, goCmd string) (string, error) {
	res, err := proc.Run(ctx, proc.Cmd{Path: goCmd, Args: []string{"tool", "-n", "test2json"}, Env: os.Environ(), Timeout: time.Minute})
	if err != nil {
		return "", fmt.Errorf("find test2json: %w", err)
	}
	p := strings.TrimSpace(string(res.Output))
	if res.ExitCode != 0 || p == "" {
		return "", fmt.Errorf("find test2json: go tool -n test2json: %s", p)
	}
	return p, nil
}

// modulePath reads the module path from root/go.mod.
func modulePath(root string) string {
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return "workbook"
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "module "); ok {
			return strings.TrimSpace(rest)
		}
	}
	return "workbook"
}
