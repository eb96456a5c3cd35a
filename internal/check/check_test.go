package check

import (
	"cmp"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/diagnose"
	"github.com/gokatas/concurrency/internal/pristine/pristinetest"
	"github.com/gokatas/concurrency/internal/proc"
	"github.com/gokatas/concurrency/internal/toolchain"
)

// fixtureFile is the learner file of the fixture kata testdata/workbook/katas/01-counter.
const fixtureFile = "counter.go"

// workbook builds a temporary workbook: the fixture kata of testdata/workbook
// plus the repository's go.mod, go.sum and internal/katatest, so the tests
// may break, edit and delete learner files freely.
func workbook(t *testing.T) (*catalog.Catalog, catalog.Kata) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs go test on a fixture kata; skipped with -short")
	}
	src, err := catalog.FindRoot(".")
	require.NoError(t, err)
	dst := t.TempDir()
	pristinetest.Copy(t, filepath.Join("testdata", "workbook"), dst)
	for _, p := range []string{"go.mod", "go.sum", "internal/katatest"} {
		pristinetest.Copy(t, filepath.Join(src, p), filepath.Join(dst, p))
	}
	c, err := catalog.Load(dst)
	require.NoError(t, err)
	k, err := c.Resolve("01")
	require.NoError(t, err)
	return c, k
}

// learnerEdit edits the kata's file as a learner would: each old string is
// replaced by its new string once.
func learnerEdit(t *testing.T, c *catalog.Catalog, k catalog.Kata, pairs ...string) {
	t.Helper()
	p := c.Path(k.Dir, fixtureFile)
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	src := string(data)
	for i := 0; i+1 < len(pairs); i += 2 {
		require.Contains(t, src, pairs[i])
		src = strings.Replace(src, pairs[i], pairs[i+1], 1)
	}
	require.NoError(t, os.WriteFile(p, []byte(src), 0o644))
}

// solve copies the solution over the learner's file.
func solve(t *testing.T, c *catalog.Catalog, k catalog.Kata) {
	t.Helper()
	data, err := os.ReadFile(c.Path(k.SolutionDir, fixtureFile))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(c.Path(k.Dir, fixtureFile), data, 0o644))
}

// anchor is the first line of Count's body in the fixture (line 7).
const anchor = "\tn := 0\n"

// collect runs one attempt, draining its updates. It keeps every update
// but the raw output lines past the first 10,000 (so the test itself does
// not hold 50 MB), and samples the heap as updates arrive.
func collect(ctx context.Context, t *testing.T, r *Runner, k catalog.Kata) (Verdict, []Update, uint64, int, error) {
	t.Helper()
	updates := make(chan Update)
	var (
		got      []Update
		lines    int
		peakHeap uint64
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		var ms runtime.MemStats
		for u := range updates {
			if u.Line != "" {
				lines++
				if lines%20_000 == 0 {
					runtime.ReadMemStats(&ms)
					peakHeap = max(peakHeap, ms.HeapAlloc)
				}
				if lines > 10_000 {
					continue
				}
			}
			got = append(got, u)
		}
	}()
	v, err := r.Run(ctx, k, updates)
	<-done
	return v, got, peakHeap, lines, err
}

func kinds(fs []diagnose.Finding) []diagnose.Kind {
	var out []diagnose.Kind
	for _, f := range fs {
		out = append(out, f.Kind)
	}
	return out
}

// TestVerdicts runs the fixture kata as shipped, solved, and broken the ways
// a learner breaks it. Each must give a readable verdict within its time
// bound, leave no process behind and leave the learner's file as it was.
func TestVerdicts(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		name     string
		edit     func(t *testing.T, c *catalog.Catalog, k catalog.Kata)
		overlay  bool // judge the solution through Runner.Overlay
		timeout  time.Duration
		outcome  Outcome
		kinds    []diagnose.Kind // findings of these kinds must be there
		line     int             // ...the first of them at this line of counter.go (0: any)
		message  string          // ...with this in its message
		minLines int             // at least this many raw output lines streamed
	}{
		{name: "as shipped", outcome: Failing,
			kinds: []diagnose.Kind{diagnose.KindRace, diagnose.KindLeak, diagnose.KindAssertion}},
		{name: "solved", edit: solve, outcome: Solved},
		{name: "solved through an overlay", overlay: true, outcome: Solved},
		{name: "does not compile", edit: func(t *testing.T, c *catalog.Catalog, k catalog.Kata) {
			learnerEdit(t, c, k, anchor, anchor+"\tundefinedThing()\n")
		}, outcome: Failing, kinds: []diagnose.Kind{diagnose.KindBuild}, line: 8, message: "undefinedThing"},
		{name: "panics", edit: func(t *testing.T, c *catalog.Catalog, k catalog.Kata) {
			learnerEdit(t, c, k, anchor, anchor+"\tvar m map[string]int\n\tm[\"x\"]++\n")
		}, outcome: Failing, kinds: []diagnose.Kind{diagnose.KindPanic}, line: 9},
		{name: "calls os.Exit", edit: func(t *testing.T, c *catalog.Catalog, k catalog.Kata) {
			learnerEdit(t, c, k, "package counter\n", "package counter\n\nimport \"os\"\n", anchor, anchor+"\tos.Exit(3)\n")
		}, outcome: Failing, kinds: []diagnose.Kind{diagnose.KindPanic}, message: "os.Exit"},
		{name: "calls os.Exit(0)", edit: func(t *testing.T, c *catalog.Catalog, k catalog.Kata) {
			learnerEdit(t, c, k, "package counter\n", "package counter\n\nimport \"os\"\n", anchor, anchor+"\tos.Exit(0)\n")
		}, outcome: Failing, kinds: []diagnose.Kind{diagnose.KindPanic}},
		{name: "deadlocks", edit: func(t *testing.T, c *catalog.Catalog, k catalog.Kata) {
			learnerEdit(t, c, k, "\t<-done\n", "\tfor range 3 {\n\t\t<-done\n\t}\n")
		}, outcome: Failing, kinds: []diagnose.Kind{diagnose.KindDeadlock, diagnose.KindLeak}},
		{name: "loops forever", edit: func(t *testing.T, c *catalog.Catalog, k catalog.Kata) {
			learnerEdit(t, c, k, anchor, anchor+"\tfor len(jobs) > 0 {\n\t}\n")
		}, outcome: Failing, kinds: []diagnose.Kind{diagnose.KindDeadlock}},
		{name: "loops forever in init, where -timeout cannot see", edit: func(t *testing.T, c *catalog.Catalog, k catalog.Kata) {
			learnerEdit(t, c, k, "package counter\n", "package counter\n\nvar spin = 1\n\nfunc init() {\n\tfor spin > 0 {\n\t}\n}\n")
		}, timeout: 2 * time.Second,
			outcome: Failing, kinds: []diagnose.Kind{diagnose.KindTimeout}},
		{name: "prints 50 MB", edit: func(t *testing.T, c *catalog.Catalog, k catalog.Kata) {
			learnerEdit(t, c, k, "package counter\n", "package counter\n\nimport \"fmt\"\n",
				anchor, anchor+"\tfor range 1_000_000 {\n\t\tfmt.Println(\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\")\n\t}\n")
		}, outcome: Failing},
		// 10 MB, not 50: what is tested is that output before the tests is
		// streamed and backpressured, not dropped; the 50 MB case above
		// bounds the memory, and this one costs a minute less.
		{name: "prints 10 MB before the tests start", edit: func(t *testing.T, c *catalog.Catalog, k catalog.Kata) {
			learnerEdit(t, c, k, "package counter\n", "package counter\n\nimport \"fmt\"\n\nfunc init() {\n\tfor range 200_000 {\n\t\tfmt.Println(\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\")\n\t}\n}\n")
		}, // a race-built test process consumes slowly, and the output is backpressured, not dropped
			timeout: 5 * time.Minute, // generous: a loaded machine prints slowly
			outcome: Failing, kinds: []diagnose.Kind{diagnose.KindRace}, minLines: 200_000},
		{name: "deleted file", edit: func(t *testing.T, c *catalog.Catalog, k catalog.Kata) {
			require.NoError(t, os.Remove(c.Path(k.Dir, fixtureFile)))
		}, outcome: Failing, kinds: []diagnose.Kind{diagnose.KindBuild}, message: "kata reset"},
		{name: "vet finding on passing code is almost", edit: func(t *testing.T, c *catalog.Catalog, k catalog.Kata) {
			solve(t, c, k)
			learnerEdit(t, c, k, "\twg.Wait()\n", "\twg.Wait()\n\t_ = copyOf(mu)\n")
			p := c.Path(k.Dir, fixtureFile)
			data, err := os.ReadFile(p)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(p, append(data, "\nfunc copyOf(mu sync.Mutex) int { return 0 }\n"...), 0o644))
		}, outcome: Almost, kinds: []diagnose.Kind{diagnose.KindVet}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, k := workbook(t)
			r := &Runner{Root: c.Root, Race: true, Timeout: cmp.Or(tt.timeout, 20*time.Second)}
			if tt.edit != nil {
				tt.edit(t, c, k)
			}
			if tt.overlay {
				r.Overlay = map[string]string{c.Path(k.Dir, fixtureFile): c.Path(k.SolutionDir, fixtureFile)}
			}
			before, _ := os.ReadFile(c.Path(k.Dir, fixtureFile))
			v, updates, peakHeap, lines, err := collect(context.Background(), t, r, k)
			assert.GreaterOrEqual(t, lines, tt.minLines)
			require.NoError(t, err)
			assert.Less(t, peakHeap, uint64(64<<20), "the run's output is streamed, not held")
			assert.Equal(t, tt.outcome, v.Outcome, "findings: %+v", v.Findings)
			assert.Equal(t, tt.outcome == Solved, v.Outcome == Solved && len(v.Findings) == 0)
			after, _ := os.ReadFile(c.Path(k.Dir, fixtureFile))
			assert.Equal(t, before, after, "the learner's file is unchanged")
			assert.LessOrEqual(t, len(v.Output), maxOutput)
			for i, kind := range tt.kinds {
				var f *diagnose.Finding
				for j := range v.Findings {
					if v.Findings[j].Kind == kind {
						f = &v.Findings[j]
						break
					}
				}
				if !assert.NotNil(t, f, "no %s finding in %v: %+v", kind, kinds(v.Findings), v.Findings) {
					continue
				}
				assert.NotEmpty(t, f.Message)
				if i == 0 && tt.line != 0 {
					assert.Equal(t, k.Dir+"/"+fixtureFile, f.File, "%+v", f)
					assert.Equal(t, tt.line, f.Line, "%+v", f)
				}
				if i == 0 && tt.message != "" {
					assert.Contains(t, f.Message+strings.Join(f.Details, "\n"), tt.message)
				}
			}
			if tt.outcome == Failing {
				assert.NotEmpty(t, v.Findings, "a failing verdict says why")
			}
			if assert.NotEmpty(t, updates) {
				assert.Equal(t, PhaseBuilding, updates[0].Phase)
				assert.Equal(t, PhaseDone, updates[len(updates)-1].Phase)
			}
			assertNoTestProcesses(t, c.Root)
		})
	}
}

// TestFindingsStream: a finding reaches the caller while the run is still
// producing output, not only at the end.
func TestFindingsStream(t *testing.T) {
	defer goleak.VerifyNone(t)
	c, k := workbook(t)
	_, updates, _, _, err := collect(context.Background(), t, &Runner{Root: c.Root, Race: true}, k)
	require.NoError(t, err)
	first, lastLine := -1, -1
	for i, u := range updates {
		if u.Finding != nil && first < 0 {
			first = i
		}
		if u.Line != "" {
			lastLine = i
		}
	}
	require.GreaterOrEqual(t, first, 0, "no finding streamed")
	assert.Less(t, first, lastLine, "the first finding came after the last line of output")
}

// TestCancel stops a run of a kata that loops forever: Run returns promptly
// with the context's error, the test binary is gone, the file unchanged.
func TestCancel(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopWhileTesting(t, ctx, cancel)
}

// stopWhileTesting runs a kata whose code loops forever and calls stop once
// the tests are running; stop must end ctx. It checks that Run returns with
// context.Canceled, that the learner's file is unchanged and that no test
// process is left, and returns how long Run took to return after stop.
func stopWhileTesting(t *testing.T, ctx context.Context, stop func()) time.Duration {
	t.Helper()
	c, k := workbook(t)
	learnerEdit(t, c, k, anchor, anchor+"\tfor len(jobs) > 0 {\n\t}\n")
	before, _ := os.ReadFile(c.Path(k.Dir, fixtureFile))
	r := &Runner{Root: c.Root, Race: true}
	updates := make(chan Update)
	done := make(chan error, 1)
	go func() {
		_, err := r.Run(ctx, k, updates)
		done <- err
	}()
	var stopped time.Time
	for u := range updates {
		if u.Phase == PhaseTesting && stopped.IsZero() {
			stopped = time.Now()
			stop()
		}
	}
	var took time.Duration
	select {
	case err := <-done:
		took = time.Since(stopped)
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the stop")
	}
	after, _ := os.ReadFile(c.Path(k.Dir, fixtureFile))
	assert.Equal(t, before, after)
	assertNoTestProcesses(t, c.Root)
	return took
}

// TestNoRace: without the race detector a passing kata is at most "almost".
func TestNoRace(t *testing.T) {
	defer goleak.VerifyNone(t)
	c, k := workbook(t)
	solve(t, c, k)
	v, err := (&Runner{Root: c.Root, Race: false}).Run(context.Background(), k, nil)
	require.NoError(t, err)
	assert.Equal(t, Almost, v.Outcome)
	assert.False(t, v.RaceChecked)
	require.NotEmpty(t, v.Notes)
	assert.Contains(t, v.Notes[0], "race checks did not run")
}

func TestNoGo(t *testing.T) {
	defer goleak.VerifyNone(t)
	c, k := workbook(t)
	_, err := (&Runner{Root: c.Root, Go: filepath.Join(t.TempDir(), "go")}).Run(context.Background(), k, nil)
	require.ErrorIs(t, err, toolchain.ErrNoGo)
}

// assertNoTestProcesses fails if a process still runs in the fixture
// workbook at root (a test binary runs in its kata's folder). It looks only
// at processes working inside this test's own temporary folder, never for
// a name machine-wide; on systems without /proc it checks nothing.
func assertNoTestProcesses(t *testing.T, root string) {
	t.Helper()
	if runtime.GOOS != "linux" {
		return
	}
	assert.Eventually(t, func() bool {
		cwds, _ := filepath.Glob("/proc/[0-9]*/cwd")
		for _, l := range cwds {
			if dir, err := os.Readlink(l); err == nil && strings.HasPrefix(dir, root) {
				return false
			}
		}
		return true
	}, 5*time.Second, 50*time.Millisecond, "a kata test binary outlived its run")
}

// TestVetResult: go vet that cannot say is a note in words, never an empty
// finding; a note never turns a pass into almost.
func TestVetResult(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		name     string
		res      proc.Result
		findings int
		note     string
	}{
		{name: "clean", res: proc.Result{}},
		{name: "did not finish", res: proc.Result{TimedOut: true, ExitCode: -1}, note: "go vet did not finish in 2m0s; press r"},
		{name: "failed without a message", res: proc.Result{ExitCode: 1}, note: "without a message"},
		{name: "unparsed message", res: proc.Result{ExitCode: 1, Output: []byte("vet: something odd\n")}, findings: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vr := vetResult(tt.res, diagnose.Options{Root: t.TempDir()})
			assert.Len(t, vr.Findings, tt.findings)
			for _, f := range vr.Findings {
				assert.NotEmpty(t, f.Message)
			}
			if tt.note == "" {
				assert.Empty(t, vr.Note)
			} else {
				assert.Contains(t, vr.Note, tt.note)
			}
			v := withVet(Verdict{Outcome: Solved}, vr)
			assert.Equal(t, tt.findings > 0, v.Outcome == Almost, "only a finding makes a pass almost")
		})
	}
}
