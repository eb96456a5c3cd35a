package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/catalog"
)

func TestJudge(t *testing.T) {
	defer goleak.VerifyNone(t)
	k := catalog.Kata{Detectors: []catalog.Detector{catalog.Race, catalog.Leak}}
	tests := []struct {
		name    string
		variant Variant
		run     Run
		want    string // substring of the problem; "" = ok
	}{
		{"buggy, all fired", Buggy, Run{Fired: []Detector{catalog.Race, catalog.Leak, catalog.Assertion}}, ""},
		{"buggy, race missing", Buggy, Run{Fired: []Detector{catalog.Leak}}, "did not fire: race"},
		{"buggy, race in the output but not diagnosed", Buggy, Run{Fired: []Detector{catalog.Leak}, Markers: []Detector{catalog.Race, catalog.Leak}},
			"did not fire: race; the raw output does show race, so the diagnosis missed it"},
		{"buggy passed", Buggy, Run{Passed: true}, "the buggy kata passed"},
		{"buggy timed out", Buggy, Run{TimedOut: true, Fired: []Detector{catalog.Race, catalog.Leak}}, "timed out"},
		{"solved passes", Solved, Run{Passed: true}, ""},
		{"solved fails", Solved, Run{Findings: []string{"race: data race"}}, "the solution failed: race: data race"},
		{"solved times out", Solved, Run{TimedOut: true}, "timed out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := judge(k, tt.variant, tt.run)
			if tt.want == "" {
				assert.Empty(t, got)
			} else {
				assert.Contains(t, got, tt.want)
			}
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
	copyTree(t, filepath.Join(src, "internal", "check", "testdata", "workbook"), root)
	for _, p := range []string{"go.mod", "go.sum", "internal/katatest"} {
		copyTree(t, filepath.Join(src, p), filepath.Join(root, p))
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

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	require.NoError(t, filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	}))
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
		rows    map[Variant]string
		problem string // a problem of some row contains this
		note    string // a note of the buggy row contains this
	}{
		{name: "as shipped", rows: map[Variant]string{Buggy: "ok", Solved: "ok"}},
		{name: "learner solved it in the working tree: the buggy kata is judged from git HEAD",
			after: func(t *testing.T, root string) {
				data, err := os.ReadFile(filepath.Join(root, solutionFile))
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(filepath.Join(root, kataFile), data, 0o644))
			},
			rows: map[Variant]string{Buggy: "ok", Solved: "ok"}, note: "judged the original from git HEAD"},
		{name: "a detector declared that never fires",
			edit: func(t *testing.T, root string) {
				replaceIn(t, filepath.Join(root, kataMeta), `"detectors": ["race", "leak", "assertion"]`, `"detectors": ["race", "leak", "deadlock", "assertion"]`)
			},
			rows: map[Variant]string{Buggy: "FAILED", Solved: "ok"}, problem: "declared detector(s) did not fire: deadlock"},
		{name: "a test that fails only at GOMAXPROCS=1 makes the solution flaky",
			edit: func(t *testing.T, root string) {
				replaceIn(t, filepath.Join(root, kataTest), "\tassert.Equal(t, 2, n)\n", "\tassert.Equal(t, 2, n)\n\tassert.Greater(t, runtime.GOMAXPROCS(0), 1, \"needs parallelism\")\n")
				replaceIn(t, filepath.Join(root, kataTest), "import (\n", "import (\n\t\"runtime\"\n")
			},
			rows: map[Variant]string{Buggy: "ok", Solved: "FLAKY"}, problem: "GOMAXPROCS=1 run 1: the solution failed: assertion"},
		{name: "stale hash in kata.json",
			edit: func(t *testing.T, root string) {
				replaceIn(t, filepath.Join(root, kataFile), "\treturn n\n", "\treturn n // changed after hashing\n")
			},
			rows: map[Variant]string{Buggy: "FAILED", Solved: "ok"}, problem: "kata.json is stale"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := fixture(t, tt.edit, tt.after)
			before, err := os.ReadFile(filepath.Join(c.Root, kataFile))
			require.NoError(t, err)
			var progress []string
			start := time.Now()
			rep, err := Check(context.Background(), Options{
				Catalog: c, Runs: 1, Parallel: runtime.GOMAXPROCS(0), StateDir: t.TempDir(),
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
				assert.Equal(t, tt.rows[r.Variant], verdictWord(r), "%s: %+v", r.Variant, r)
				problems = append(problems, r.Problems...)
				if r.Variant == Buggy {
					notes = append(notes, r.Notes...)
				}
				if r.Runs > 0 {
					assert.Equal(t, 3, r.Runs, "one run at each GOMAXPROCS 1, 2, 4")
				}
			}
			if tt.problem != "" {
				assert.Contains(t, strings.Join(problems, "\n"), tt.problem)
				for _, r := range rep.Rows {
					for _, run := range r.Details {
						if judge(c.Katas[0], r.Variant, run) != "" {
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
	start := time.Now()
	_, err := Check(ctx, Options{Catalog: c, Runs: 5, Parallel: 2})
	require.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(start), 5*time.Second)
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
	rep, err := Check(context.Background(), Options{Catalog: c, Runs: runs, Parallel: runtime.GOMAXPROCS(0), StateDir: t.TempDir()})
	require.NoError(t, err)
	for _, r := range rep.Rows {
		t.Logf("%-18s %-7s %-36s %-36s %d/%d %s", r.Kata, r.Variant, r.Expected, r.Observed, r.RunsOK, r.Runs, r.Duration.Round(100*time.Millisecond))
		for _, p := range r.Problems {
			t.Logf("    %s", p)
		}
	}
	out, _ := json.Marshal(rep)
	t.Logf("%d passed, %d failed in %s (%d bytes of JSON)", rep.Passed, rep.Failed, rep.Duration.Round(100*time.Millisecond), len(out))
	assert.Zero(t, rep.Failed)
}
