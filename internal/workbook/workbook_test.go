package workbook

import (
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
	"github.com/gokatas/concurrency/internal/check"
	"github.com/gokatas/concurrency/internal/pristine/pristinetest"
)

// open opens a pristine copy of this workbook with its state in a temporary folder.
// Two katas are copied: 01 and 02, with their chapters, and their solutions
// when withSolutions is set.
func open(t *testing.T, withSolutions bool) *Workbook {
	t.Helper()
	paths := []string{"go.mod"}
	for _, id := range []string{"01-wg-ordering", "02-unclosed-body"} {
		paths = append(paths, "katas/"+id, "book/"+id+".md")
		if withSolutions {
			paths = append(paths, "solutions/"+id)
		}
	}
	root := pristinetest.Workbook(t, paths...)
	w, err := Open(root, t.TempDir(), func(m string) { t.Log(m) })
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(w.Catalog.Katas), 2)
	return w
}

func TestRecordMovesOnWhenSolved(t *testing.T) {
	defer goleak.VerifyNone(t)
	w := open(t, true)
	first, second := w.Catalog.Katas[0], w.Catalog.Katas[1]
	s, err := w.Store.Load()
	require.NoError(t, err)
	assert.Equal(t, first.ID, w.Current(s).ID, "a new learner starts at the first kata")

	s, err = w.Record(second, check.Verdict{Outcome: check.Failing})
	require.NoError(t, err)
	assert.Equal(t, second.ID, w.Current(s).ID, "checking a kata makes it current")
	assert.Equal(t, 1, s.Katas[second.ID].Attempts)

	s, err = w.Record(second, check.Verdict{Outcome: check.Solved})
	require.NoError(t, err)
	assert.True(t, s.Solved(second.ID))
	assert.Equal(t, first.ID, w.Current(s).ID, "solving moves on to the next pending kata")
	assert.Equal(t, first.ID, w.Next(s, second))
}

func TestSolution(t *testing.T) {
	defer goleak.VerifyNone(t)
	w := open(t, true)
	k := w.Catalog.Katas[0]
	s, err := w.Solution(k)
	require.NoError(t, err)
	require.Len(t, s.Files, len(k.Files))
	assert.Contains(t, s.Diff(), "(solution)")
	assert.Contains(t, s.Code(), "// "+k.SolutionDir+"/"+k.Files[0]+"\n")
	assert.NotEmpty(t, s.Explanation)

	sol, err := os.ReadFile(w.Catalog.Path(k.SolutionDir, k.Files[0]))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(w.Catalog.Path(k.Dir, k.Files[0]), sol, 0o644))
	s, err = w.Solution(k)
	require.NoError(t, err)
	assert.Contains(t, s.Diff(), "is identical to the solution")

	require.NoError(t, os.Remove(w.Catalog.Path(k.Dir, k.Files[0])))
	s, err = w.Solution(k)
	require.NoError(t, err, "a deleted learner file diffs as empty")
	assert.Contains(t, s.Diff(), "+")
}

func TestSolutionMissing(t *testing.T) {
	defer goleak.VerifyNone(t)
	w := open(t, false)
	_, err := w.Solution(w.Catalog.Katas[0])
	require.ErrorIs(t, err, ErrNoSolutions)
}

func TestReset(t *testing.T) {
	defer goleak.VerifyNone(t)
	w := open(t, false)
	k := w.Catalog.Katas[0]
	p := w.Catalog.Path(k.Dir, k.Files[0])
	shipped, err := os.ReadFile(p)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(p, []byte("package mine\n"), 0o644))
	_, err = w.Record(k, check.Verdict{Outcome: check.Solved})
	require.NoError(t, err)

	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	done, err := w.Reset(context.Background(), []catalog.Kata{k}, now)
	require.NoError(t, err)
	require.Len(t, done, 1)
	assert.Equal(t, 1, done[0].Restored)
	backup, err := os.ReadFile(filepath.Join(done[0].Backup, k.Files[0]))
	require.NoError(t, err)
	assert.Equal(t, "package mine\n", string(backup), "the learner's version is backed up")
	got, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, shipped, got, "the shipped file is back")
	s, err := w.Store.Load()
	require.NoError(t, err)
	assert.False(t, s.Solved(k.ID), "pending again")
	assert.True(t, s.Katas[k.ID].SolutionUnlocked(), "the earned solution stays unlocked")

	done, err = w.Reset(context.Background(), []catalog.Kata{k}, now)
	require.NoError(t, err)
	assert.Equal(t, 0, done[0].Restored, "already as shipped")
}

// fakeGo writes a go command that answers go list with script's output
// and records every go build's arguments in a log; it returns the command.
func fakeGo(t *testing.T, list string) (goCmd, log string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake go command is a shell script")
	}
	dir := t.TempDir()
	log = filepath.Join(dir, "log")
	script := "#!/bin/sh\ncase \"$1\" in\nlist) " + list + "\n;;\nbuild) echo \"$@\" >> " + log + " ;;\nesac\n"
	goCmd = filepath.Join(dir, "go")
	require.NoError(t, os.WriteFile(goCmd, []byte(script), 0o755))
	return goCmd, log
}

// TestWarm: the warm-up builds, with -race, exactly the stale packages the
// katas need outside katas/, and never takes the go command's own messages
// for packages.
func TestWarm(t *testing.T) {
	defer goleak.VerifyNone(t)
	root := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, "go.mod"), []byte("module example.com/wb\n\ngo 1.25\n"), 0o644))
	goCmd, log := fakeGo(t, `echo 'go: downloading github.com/dep/x v1.0.0' >&2
cat <<'EOF'
{"ImportPath": "runtime", "Standard": true, "Stale": true}
{"ImportPath": "sync", "Standard": true}
{"ImportPath": "github.com/dep/x", "Stale": true}
{"ImportPath": "example.com/wb/katas/01-x", "Stale": true}
{"ImportPath": "example.com/wb/katas/01-x", "ForTest": "example.com/wb/katas/01-x", "Stale": true}
{"ImportPath": "example.com/wb/katas/01-x.test", "Stale": true}
EOF`)
	var said []string
	require.NoError(t, Warm(context.Background(), root, goCmd, func(s string) { said = append(said, s) }))
	data, err := os.ReadFile(log)
	require.NoError(t, err)
	assert.Equal(t, "build -race runtime github.com/dep/x\nbuild runtime github.com/dep/x\n", string(data), "for the tests, then for go vet")
	assert.Contains(t, strings.Join(said, "\n"), "1 of them the race-instrumented standard library")
}

func TestWarmSaysWhyItFailed(t *testing.T) {
	defer goleak.VerifyNone(t)
	goCmd, _ := fakeGo(t, `echo 'go: github.com/dep/x@v1.0.0: Get "https://proxy.golang.org/...": dial tcp: no route to host' >&2; exit 1`)
	err := Warm(context.Background(), t.TempDir(), goCmd, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "could not list the katas' packages")
	assert.Contains(t, err.Error(), "no route to host")
}

func TestWarmWhenWarm(t *testing.T) {
	defer goleak.VerifyNone(t)
	goCmd, log := fakeGo(t, `echo '{"ImportPath": "runtime", "Standard": true}'`)
	var said []string
	require.NoError(t, Warm(context.Background(), t.TempDir(), goCmd, func(s string) { said = append(said, s) }))
	assert.NoFileExists(t, log, "nothing to build")
	assert.Equal(t, []string{"the build cache is warm with the race detector", "the build cache is warm for go vet"}, said)
}
