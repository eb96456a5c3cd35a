package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/check"
	"github.com/gokatas/concurrency/internal/diagnose"
	"github.com/gokatas/concurrency/internal/pristine/pristinetest"
)

func TestJudge(t *testing.T) {
	defer goleak.VerifyNone(t)
	k := catalog.Kata{Detectors: []catalog.Detector{catalog.Race, catalog.Leak}}
	wrong := variant{kata: k, kind: Wrong, cs: &catalog.Case{Name: "c", RejectedBy: []catalog.Detector{catalog.Race, catalog.Assertion}}}
	failing := func(ks ...diagnose.Kind) check.Verdict {
		v := check.Verdict{Outcome: check.Failing}
		for _, k := range ks {
			v.Findings = append(v.Findings, diagnose.Finding{Kind: k, Message: "m"})
		}
		return v
	}
	tests := []struct {
		name    string
		variant variant
		verdict check.Verdict
		want    string // substring of the problem; "" = ok
		weak    bool
	}{
		{"buggy, all fired", variant{kata: k, kind: Buggy}, failing(catalog.Race, catalog.Leak, catalog.Assertion), "", false},
		{"buggy, race missing", variant{kata: k, kind: Buggy}, failing(catalog.Leak), "did not fire: race", false},
		{"buggy, race in the output but not diagnosed", variant{kata: k, kind: Buggy},
			func() check.Verdict { v := failing(catalog.Leak); v.Output = "WARNING: DATA RACE"; return v }(),
			"did not fire: race; the raw output does show race, so the diagnosis missed it", false},
		{"buggy passed", variant{kata: k, kind: Buggy}, check.Verdict{Outcome: check.Solved}, "the buggy kata passed", false},
		{"buggy timed out", variant{kata: k, kind: Buggy}, failing(catalog.Race, catalog.Leak, diagnose.KindTimeout), "timed out", false},
		{"solution passes", variant{kata: k, kind: Solution}, check.Verdict{Outcome: check.Solved}, "", false},
		{"solution fails", variant{kata: k, kind: Solution}, failing(catalog.Race), "the solution failed: race: m", false},
		{"alt almost", variant{kata: k, kind: Alt, cs: &catalog.Case{Name: "a"}}, check.Verdict{Outcome: check.Almost}, "the alt/a failed", false},
		{"wrong, rejected by a declared kind", wrong, failing(catalog.Leak, catalog.Assertion), "", false},
		{"wrong, accepted", wrong, check.Verdict{Outcome: check.Solved}, "the wrong fix was accepted", false},
		{"wrong, rejected by another kind", wrong, failing(catalog.Leak), "rejected by leak, none of its declared kinds (race assertion)", false},
		{"wrong, rejected only by a timeout", wrong, failing(diagnose.KindTimeout), "weak case: rejected only by timeout", true},
		{"wrong, rejected only by vet", wrong, failing(diagnose.KindVet), "weak case", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := judge(tt.variant, tt.verdict)
			if tt.want == "" {
				assert.Empty(t, got.Problem)
			} else {
				assert.Contains(t, got.Problem, tt.want)
			}
			assert.Equal(t, tt.weak, got.Weak)
		})
	}
}

// fixture builds a temporary git repository holding the fixture kata of
// internal/check/testdata/workbook (shared with check's tests) and what it
// needs from this repository; edit changes it before the commit, after
// changes the working tree after it.
func fixture(t *testing.T, edit, after func(t *testing.T, root string)) *catalog.Catalog {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs fixture katas; skipped with -short")
	}
	src, err := catalog.FindRoot(".")
	require.NoError(t, err)
	root := t.TempDir()
	pristinetest.Copy(t, filepath.Join(src, "internal", "check", "testdata", "workbook"), root)
	for _, p := range []string{"go.mod", "go.sum", "internal/katatest"} {
		pristinetest.Copy(t, filepath.Join(src, p), filepath.Join(root, p))
	}
	if edit != nil {
		edit(t, root)
	}
	for _, args := range [][]string{
		{"init", "-q"}, {"add", "."},
		{"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "ship"},
	} {
		out, err := exec.Command("git", append([]string{"-C", root}, args...)...).CombinedOutput()
		require.NoError(t, err, "git %v: %s", args, out)
	}
	if after != nil {
		after(t, root)
	}
	c, err := catalog.Load(root)
	require.NoError(t, err)
	return c
}

func replaceIn(t *testing.T, p, old, new string) {
	t.Helper()
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	require.Contains(t, string(data), old)
	require.NoError(t, os.WriteFile(p, []byte(strings.Replace(string(data), old, new, 1)), 0o644))
}

const (
	kataFile     = "katas/01-counter/counter.go"
	kataTest     = "katas/01-counter/counter_test.go"
	kataMeta     = "katas/01-counter/kata.json"
	solutionFile = "solutions/01-counter/counter.go"
)

// TestCheckFixtures runs the self-check on fixture katas that are right,
// edited by a learner, flaky, under-declared and stale.
func TestCheckFixtures(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		name    string
		edit    func(t *testing.T, root string) // before the commit: the kata as shipped
		after   func(t *testing.T, root string) // after: the learner's working tree
		rows    map[Kind]string
		problem string // a problem of some row contains this
		note    string // a note of the buggy row contains this
	}{
		{name: "as shipped", rows: map[Kind]string{Buggy: "ok", Solution: "ok"}},
		{name: "learner solved it in the working tree: the buggy kata is judged from git HEAD",
			after: func(t *testing.T, root string) {
				data, err := os.ReadFile(filepath.Join(root, solutionFile))
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(filepath.Join(root, kataFile), data, 0o644))
			},
			rows: map[Kind]string{Buggy: "ok", Solution: "ok"}, note: "judged the original from git HEAD"},
		{name: "a detector declared that never fires",
			edit: func(t *testing.T, root string) {
				replaceIn(t, filepath.Join(root, kataMeta), `"detectors": ["race", "leak", "assertion"]`, `"detectors": ["race", "leak", "deadlock", "assertion"]`)
			},
			rows: map[Kind]string{Buggy: "FAILED", Solution: "ok"}, problem: "declared detector(s) did not fire: deadlock"},
		{name: "a test that fails only at GOMAXPROCS=1 makes the solution flaky",
			edit: func(t *testing.T, root string) {
				replaceIn(t, filepath.Join(root, kataTest), "\tassert.Equal(t, 2, n)\n", "\tassert.Equal(t, 2, n)\n\tassert.Greater(t, runtime.GOMAXPROCS(0), 1, \"needs parallelism\")\n")
				replaceIn(t, filepath.Join(root, kataTest), "import (\n", "import (\n\t\"runtime\"\n")
			},
			rows: map[Kind]string{Buggy: "ok", Solution: "FLAKY"}, problem: "GOMAXPROCS=1 run 1: the solution failed: assertion"},
		{name: "stale hash in kata.json",
			edit: func(t *testing.T, root string) {
				replaceIn(t, filepath.Join(root, kataFile), "\treturn n\n", "\treturn n // changed after hashing\n")
			},
			rows: map[Kind]string{Buggy: "FAILED", Solution: "ok"}, problem: "its shipped version was found nowhere"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := fixture(t, tt.edit, tt.after)
			before, err := os.ReadFile(filepath.Join(c.Root, kataFile))
			require.NoError(t, err)
			var progress []string
			start := time.Now()
			rep, err := Run(context.Background(), Options{
				Catalog: c, Parallel: runtime.GOMAXPROCS(0), StateDir: t.TempDir(),
				Progress: func(line string) { progress = append(progress, line) },
			})
			require.NoError(t, err)
			t.Logf("took %s", time.Since(start))
			after, err := os.ReadFile(filepath.Join(c.Root, kataFile))
			require.NoError(t, err)
			assert.Equal(t, before, after, "verify changes no learner file")
			require.Len(t, rep.Rows, 2)
			assert.Len(t, progress, 2)
			var problems, notes []string
			for _, r := range rep.Rows {
				assert.Equal(t, tt.rows[r.Kind], r.Verdict(), "%s: %+v", r.Variant, r)
				problems = append(problems, r.Problems...)
				if r.Kind == Buggy {
					notes = append(notes, r.Notes...)
				}
				if r.Runs > 0 {
					assert.Equal(t, 3, r.Runs, "one run at each GOMAXPROCS 1, 2, 4")
				}
			}
			if tt.problem != "" {
				assert.Contains(t, strings.Join(problems, "\n"), tt.problem)
				for _, r := range rep.Rows {
					for _, run := range r.Trials {
						if run.Problem != "" {
							assert.FileExists(t, run.Output, "the output of a run that missed is kept")
						}
					}
				}
			} else {
				assert.Empty(t, problems)
			}
			if tt.note != "" {
				assert.Contains(t, strings.Join(notes, "\n"), tt.note)
			}
			ok := 0
			for _, r := range rep.Rows {
				if r.OK {
					ok++
				}
			}
			assert.Equal(t, ok, rep.Passed)
			assert.Equal(t, 2-ok, rep.Failed)
		})
	}
}

// TestCancel: a cancelled self-check returns the context's error promptly.
func TestCancel(t *testing.T) {
	defer goleak.VerifyNone(t)
	c := fixture(t, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	time.AfterFunc(300*time.Millisecond, cancel)
	_, err := Run(ctx, Options{Catalog: c, Shipped: Plan{Runs: 5}, Parallel: 2})
	require.ErrorIs(t, err, context.Canceled)
}

// writeCase writes a catalogue case of the fixture kata: its counter.go
// (when code is not empty), WHY.md and case.json.
func writeCase(t *testing.T, root, kind, name, code, rejectedBy string) {
	t.Helper()
	dir := filepath.Join(root, "solutions", "01-counter", "testdata", kind, name)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	meta := `{"format": 1, "summary": "` + name + `"`
	if rejectedBy != "" {
		meta += `, "rejected_by": [` + rejectedBy + `]`
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, catalog.CaseFile), []byte(meta+"}\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, catalog.WhyFile), []byte("# "+name+"\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "counter.go"), []byte(code), 0o644))
}

// bufferedDone is a wrong fix of the fixture kata: a buffered channel stops
// the leak, but Count still returns after the first job (race, assertion).
const bufferedDone = `package counter

func Count(jobs []func()) int {
	n := 0
	done := make(chan struct{}, len(jobs))
	for _, job := range jobs {
		go func() {
			job()
			n++
			done <- struct{}{}
		}()
	}
	<-done
	return n
}
`

// channelCount is an alternative fix: each job reports on a channel and
// Count adds up the reports.
const channelCount = `package counter

func Count(jobs []func()) int {
	done := make(chan int)
	for _, job := range jobs {
		go func() {
			job()
			done <- 1
		}()
	}
	n := 0
	for range jobs {
		n += <-done
	}
	return n
}
`

// TestCatalogue: wrong fixes must be rejected by a declared kind in every
// run, never only by a build failure; alternatives must pass.
func TestCatalogue(t *testing.T) {
	defer goleak.VerifyNone(t)
	c := fixture(t, func(t *testing.T, root string) {
		writeCase(t, root, "wrong", "buffered-done", bufferedDone, `"race", "leak"`)
		writeCase(t, root, "wrong", "declares-deadlock", bufferedDone, `"deadlock"`)
		writeCase(t, root, "wrong", "is-right-after-all", channelCount, `"race"`)
		writeCase(t, root, "wrong", "does-not-compile", "package counter\n\nfunc Count(jobs []func()) int { return undefined }\n", `"race"`)
		writeCase(t, root, "alt", "channel-count", channelCount, "")
	}, nil)
	rep, err := Run(context.Background(), Options{Catalog: c, Kinds: []Kind{Wrong, Alt}, Parallel: runtime.GOMAXPROCS(0)})
	require.NoError(t, err)
	got := map[string]string{}
	for _, r := range rep.Rows {
		got[r.Variant] = r.Verdict()
		t.Logf("%s: %s %v", r.Variant, r.Verdict(), r.Problems)
	}
	assert.Equal(t, map[string]string{
		"wrong/buffered-done": "ok", "wrong/declares-deadlock": "FAILED", "wrong/is-right-after-all": "FAILED",
		"wrong/does-not-compile": "WEAK", "alt/channel-count": "ok",
	}, got)
	assert.Equal(t, 2, rep.Passed)
	for _, r := range rep.Rows {
		if r.Runs > 0 {
			assert.Equal(t, []int{2}, procsOf(r), "cases run once at GOMAXPROCS 2 by default")
		}
	}
}

func procsOf(r Row) []int {
	var out []int
	for _, c := range r.Cells {
		out = append(out, c.Procs)
	}
	return out
}

// TestStress: the busy processes run while the variants do, GOGC is set,
// and every busy process is gone afterwards (checked through the pid file
// each one writes: no machine-wide process search).
func TestStress(t *testing.T) {
	defer goleak.VerifyNone(t)
	if runtime.GOOS == "windows" {
		t.Skip("the busy process here is a shell loop")
	}
	c := fixture(t, nil, nil)
	pids := t.TempDir()
	spin := []string{"/bin/sh", "-c", "echo $$ > " + pids + "/$$; while :; do :; done"}
	rep, err := Run(context.Background(), Options{Catalog: c, Kinds: []Kind{Solution}, Stress: &Stress{Spin: spin, Procs: 2}})
	require.NoError(t, err)
	assert.Equal(t, "2 busy processes (one per CPU), test binaries at GOGC=5", rep.Stress)
	assert.Equal(t, 1, rep.Passed)
	files, err := os.ReadDir(pids)
	require.NoError(t, err)
	assert.Len(t, files, 2, "both busy processes ran")
	for _, f := range files {
		pid, err := strconv.Atoi(f.Name())
		require.NoError(t, err)
		assert.Eventually(t, func() bool { return !alive(pid) }, 5*time.Second, 20*time.Millisecond, "busy process %d outlived verify", pid)
	}
}

// TestRealKatas runs the self-check on this repository's katas; it is slow,
// so it runs only with KATA_VERIFY=1 (KATA_VERIFY_RUNS sets --runs).
func TestRealKatas(t *testing.T) {
	defer goleak.VerifyNone(t)
	if os.Getenv("KATA_VERIFY") == "" {
		t.Skip("set KATA_VERIFY=1 to verify the real katas")
	}
	root, err := catalog.FindRoot(".")
	require.NoError(t, err)
	c, err := catalog.Load(root)
	require.NoError(t, err)
	runs := 1
	fmt.Sscan(os.Getenv("KATA_VERIFY_RUNS"), &runs)
	rep, err := Run(context.Background(), Options{Catalog: c, Shipped: Plan{Runs: runs}, Cases: Plan{Runs: runs}, Parallel: runtime.GOMAXPROCS(0), StateDir: t.TempDir()})
	require.NoError(t, err)
	for _, r := range rep.Rows {
		t.Logf("%-18s %-36s %-36s %-6s %d/%d %s", r.Kata, r.Variant, r.Expected, r.Verdict(), r.RunsOK, r.Runs, r.Duration.Round(100*time.Millisecond))
		for _, p := range r.Problems {
			t.Logf("    %s", p)
		}
	}
	out, _ := json.Marshal(rep)
	t.Logf("%d passed, %d failed in %s (%d bytes of JSON)", rep.Passed, rep.Failed, rep.Duration.Round(100*time.Millisecond), len(out))
	assert.Zero(t, rep.Failed)
}
