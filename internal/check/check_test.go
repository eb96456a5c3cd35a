package check

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/diagnose"
)

// workbook copies what kata 01 needs into a temporary repository, so the
// tests may break, edit and delete learner files freely.
func workbook(t *testing.T) (*catalog.Catalog, catalog.Kata) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs go test on a kata; skipped with -short")
	}
	src, err := catalog.FindRoot(".")
	require.NoError(t, err)
	dst := t.TempDir()
	for _, p := range []string{"go.mod", "go.sum", "internal/katatest", "katas/01-wg-ordering", "solutions/01-wg-ordering", "book/01-wg-ordering.md"} {
		out, err := exec.Command("cp", "-r", filepath.Join(src, p), filepath.Join(dst, p)).CombinedOutput()
		if err != nil {
			require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dst, p)), 0o755))
			out, err = exec.Command("cp", "-r", filepath.Join(src, p), filepath.Join(dst, p)).CombinedOutput()
		}
		require.NoError(t, err, "%s", out)
	}
	c, err := catalog.Load(dst)
	require.NoError(t, err)
	k, err := c.Resolve("01")
	require.NoError(t, err)
	return c, k
}

// learnerEdit replaces the kata's file with its original plus an edit:
// old is replaced by new once.
func learnerEdit(t *testing.T, c *catalog.Catalog, k catalog.Kata, old, new string) {
	t.Helper()
	p := c.Path(k.Dir, k.Files[0])
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	require.Contains(t, string(data), old)
	require.NoError(t, os.WriteFile(p, []byte(strings.Replace(string(data), old, new, 1)), 0o644))
}

const anchor = "\tquotes := make([]Quote, len(f.Suppliers))\n"

func run(t *testing.T, ctx context.Context, c *catalog.Catalog, k catalog.Kata) (Verdict, []Update, error) {
	t.Helper()
	r := &Runner{Root: c.Root, Race: true, Timeout: 20 * time.Second}
	updates := make(chan Update)
	var got []Update
	done := make(chan struct{})
	go func() {
		defer close(done)
		for u := range updates {
			got = append(got, u)
		}
	}()
	v, err := r.Run(ctx, k, updates)
	<-done
	return v, got, err
}

func kinds(fs []diagnose.Finding) []diagnose.Kind {
	var out []diagnose.Kind
	for _, f := range fs {
		out = append(out, f.Kind)
	}
	return out
}

// TestVerdicts runs kata 01 as shipped, solved, and broken the ways a
// learner breaks it. Each must give a readable verdict in bounded time,
// leave no process behind and leave the learner's file as it was.
func TestVerdicts(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		name    string
		edit    func(t *testing.T, c *catalog.Catalog, k catalog.Kata)
		outcome Outcome
		kind    diagnose.Kind // a finding of this kind must be there
		line    int           // ...at this line of prices.go (0: any)
	}{
		{name: "as shipped", outcome: Failing, kind: diagnose.KindRace, line: 77},
		{name: "solved", edit: func(t *testing.T, c *catalog.Catalog, k catalog.Kata) {
			data, err := os.ReadFile(c.Path(k.SolutionDir, "prices.go"))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(c.Path(k.Dir, "prices.go"), data, 0o644))
		}, outcome: Solved},
		{name: "does not compile", edit: func(t *testing.T, c *catalog.Catalog, k catalog.Kata) {
			learnerEdit(t, c, k, anchor, anchor+"\tundefinedThing()\n")
		}, outcome: Failing, kind: diagnose.KindBuild, line: 62},
		{name: "panics", edit: func(t *testing.T, c *catalog.Catalog, k catalog.Kata) {
			learnerEdit(t, c, k, anchor, "\tvar m map[string]int\n\tm[sku]++\n"+anchor)
		}, outcome: Failing, kind: diagnose.KindPanic, line: 62},
		{name: "calls os.Exit", edit: func(t *testing.T, c *catalog.Catalog, k catalog.Kata) {
			learnerEdit(t, c, k, anchor, "\tif sku != \"\" {\n\t\tos.Exit(3)\n\t}\n"+anchor)
			learnerEdit(t, c, k, "\t\"fmt\"\n", "\t\"fmt\"\n\t\"os\"\n")
		}, outcome: Failing, kind: diagnose.KindPanic},
		{name: "loops forever", edit: func(t *testing.T, c *catalog.Catalog, k catalog.Kata) {
			learnerEdit(t, c, k, anchor, "\tfor sku != \"\" {\n\t}\n"+anchor)
		}, outcome: Failing, kind: diagnose.KindLeak, line: 61},
		{name: "prints 50 MB", edit: func(t *testing.T, c *catalog.Catalog, k catalog.Kata) {
			learnerEdit(t, c, k, anchor, "\tfor range 1_000_000 {\n\t\tfmt.Println(\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\")\n\t}\n"+anchor)
		}, outcome: Failing, kind: diagnose.KindDeadlock}, // printing takes longer than the guard allows
		{name: "deleted file", edit: func(t *testing.T, c *catalog.Catalog, k catalog.Kata) {
			require.NoError(t, os.Remove(c.Path(k.Dir, "prices.go")))
		}, outcome: Failing, kind: diagnose.KindBuild},
		{name: "vet finding on passing code is almost", edit: func(t *testing.T, c *catalog.Catalog, k catalog.Kata) {
			data, err := os.ReadFile(c.Path(k.SolutionDir, "prices.go"))
			require.NoError(t, err)
			src := strings.Replace(string(data), "\tvar wg sync.WaitGroup\n", "\tvar wg sync.WaitGroup\n\tfmt.Sprint(copyOf(wg))\n", 1)
			src += "\nfunc copyOf(wg sync.WaitGroup) int { return 0 }\n"
			require.NoError(t, os.WriteFile(c.Path(k.Dir, "prices.go"), []byte(src), 0o644))
		}, outcome: Almost, kind: diagnose.KindVet},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, k := workbook(t)
			if tt.edit != nil {
				tt.edit(t, c, k)
			}
			before, _ := os.ReadFile(c.Path(k.Dir, "prices.go"))
			start := time.Now()
			v, updates, err := run(t, context.Background(), c, k)
			require.NoError(t, err)
			assert.Less(t, time.Since(start), 60*time.Second)
			assert.Equal(t, tt.outcome, v.Outcome, "findings: %+v", v.Findings)
			after, _ := os.ReadFile(c.Path(k.Dir, "prices.go"))
			assert.Equal(t, before, after, "the learner's file is unchanged")
			assert.LessOrEqual(t, len(v.Output), maxOutput)
			if tt.kind != "" {
				found := false
				for _, f := range v.Findings {
					if f.Kind == tt.kind && (tt.line == 0 || (f.File == k.Dir+"/prices.go" && f.Line == tt.line)) {
						found = true
					}
				}
				assert.True(t, found, "no %s finding at line %d in %v: %+v", tt.kind, tt.line, kinds(v.Findings), v.Findings)
			}
			if len(updates) > 0 {
				assert.Equal(t, PhaseBuilding, updates[0].Phase)
			}
			assertNoTestProcesses(t)
		})
	}
}

// TestCancel stops a run of a kata that loops forever: Run returns promptly
// with the context's error, and the test binary is gone.
func TestCancel(t *testing.T) {
	defer goleak.VerifyNone(t)
	c, k := workbook(t)
	learnerEdit(t, c, k, anchor, "\tfor sku != \"\" {\n\t}\n"+anchor)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := &Runner{Root: c.Root, Race: true}
	updates := make(chan Update)
	done := make(chan error, 1)
	go func() {
		_, err := r.Run(ctx, k, updates)
		done <- err
	}()
	for u := range updates {
		if u.Phase == PhaseTesting {
			cancel()
		}
	}
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	assertNoTestProcesses(t)
}

// TestNoRace: without the race detector a passing kata is at most "almost".
func TestNoRace(t *testing.T) {
	defer goleak.VerifyNone(t)
	c, k := workbook(t)
	data, err := os.ReadFile(c.Path(k.SolutionDir, "prices.go"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(c.Path(k.Dir, "prices.go"), data, 0o644))
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
	require.ErrorIs(t, err, ErrNoGo)
}

// assertNoTestProcesses fails if a kata test binary is still running.
func assertNoTestProcesses(t *testing.T) {
	t.Helper()
	assert.Eventually(t, func() bool {
		out, _ := exec.Command("pgrep", "-f", "01-wg-ordering.test").Output()
		return len(strings.TrimSpace(string(out))) == 0
	}, 5*time.Second, 50*time.Millisecond, "a kata test binary outlived its run")
}
