package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/pristine/pristinetest"
)

// The CLI is tested as a user runs it: a built binary (go run would turn
// every non-zero exit into 1), in a temporary copy of the workbook with
// kata 01, with the state folder in a temp dir and no terminal.

type harness struct {
	bin, root, state string
}

// newHarness builds the binary into a temp folder (cheap: the build cache
// keeps the linked binary) and copies katas 01 and 02 with their solutions
// and chapters into a temp workbook.
func newHarness(t *testing.T) *harness {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "kata")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	src, err := catalog.FindRoot(".")
	require.NoError(t, err)
	c, err := catalog.Load(src)
	require.NoError(t, err)
	paths := []string{"go.mod", "go.sum", "internal/katatest", "book/SUMMARY.md", "book/toolbox.md"}
	for _, k := range c.Katas[:min(2, len(c.Katas))] { // kata 01 and the next one
		paths = append(paths, k.Dir, k.SolutionDir, k.Chapter)
	}
	// The katas as shipped, whatever the learner has done to them here.
	root := pristinetest.Workbook(t, paths...)
	return &harness{bin: bin, root: root, state: t.TempDir()}
}

// flat joins the lines a message was wrapped into (errors are wrapped at 80
// columns), so tests can look for a phrase wherever the wrap fell.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

// run runs the binary in the workbook with args and stdin; it returns
// stdout, stderr and the exit code.
func (h *harness) run(t *testing.T, stdin string, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(h.bin, args...)
	cmd.Dir = filepath.Join(h.root, "katas")
	cmd.Env = append(append(os.Environ(), "KATA_STATE_DIR="+h.state, "NO_COLOR=1"), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return out.String(), errOut.String(), code
}

func TestCommands(t *testing.T) {
	defer noLeaks(t)
	h := newHarness(t)
	tests := []struct {
		name     string
		args     []string
		stdin    string
		env      []string
		code     int
		stdout   []string // substrings
		stderr   []string
		jsonDoc  bool
		noStdout bool
	}{
		{name: "no arguments without a terminal lists", args: nil, stdout: []string{"01-wg-ordering", "pending", "0 of 2 solved"}},
		{name: "list", args: []string{"list"}, stdout: []string{">", "Price fan-out with a WaitGroup", "katas/01-wg-ordering/prices.go"}},
		{name: "list json", args: []string{"list", "--json"}, jsonDoc: true, stdout: []string{`"status": "pending"`}},
		{name: "help", args: []string{"help"}, stdout: []string{"kata check [KATA]", "Exit codes"}},
		{name: "unknown command", args: []string{"frobnicate"}, code: 2, stderr: []string{`unknown command "frobnicate"`}},
		{name: "unknown flag", args: []string{"list", "--colour"}, code: 2, stderr: []string{"flag provided but not defined"}},
		{name: "unknown kata", args: []string{"hint", "99"}, code: 2, stderr: []string{"no kata \"99\""}},
		{name: "hint by slug, flag after", args: []string{"hint", "wg-ordering", "--level", "2"}, stdout: []string{"hint 2 of"}},
		{name: "solution refused before solving", args: []string{"solution", "01"}, code: 1, stderr: []string{"not solved yet"}},
		{name: "reveal needs confirmation off a terminal", args: []string{"solution", "01", "--reveal"}, code: 1, stderr: []string{"pass --yes"}},
		{name: "reveal locked in a workshop", args: []string{"solution", "--reveal", "--yes", "1"}, env: []string{"KATA_LOCK_SOLUTIONS=1"}, code: 1, stderr: []string{"locked"}},
		{name: "reset needs confirmation off a terminal", args: []string{"reset", "01"}, code: 1, stderr: []string{"pass --yes"}},
		{name: "book piped is plain markdown", args: []string{"book", "01"}, stdout: []string{"# 01 · WaitGroup ordering"}},
		{name: "explain on an empty stream says there is nothing to explain", args: []string{"explain"}, code: 2, stderr: []string{"stdin was empty", "go test -race -json"}},
		{name: "explain on a passing run", args: []string{"explain"}, stdin: fixture(t, "01-solved.json"), stdout: []string{"passed"}},
		{name: "explain on a failing run", args: []string{"explain", "--json"}, stdin: fixture(t, "01-buggy.json"), code: 1, jsonDoc: true, stdout: []string{`"kind": "race"`}},
		{name: "verify takes a positive run count", args: []string{"verify", "--runs", "0"}, code: 2},
		{name: "the app's flags off a terminal list", args: []string{"--manual"}, stdout: []string{"01-wg-ordering", "0 of 2 solved"}},
		{name: "unknown top-level flag", args: []string{"--frob"}, code: 2, stderr: []string{"flag provided but not defined: -frob", "usage: kata [--manual]"}},
		{name: "a command's --help", args: []string{"verify", "--help"}, stdout: []string{"usage: kata verify", "--solution\n      check only the official solution"}},
		{name: "version", args: []string{"--version"}, stdout: []string{"kata ", runtime.Version()}},
		{name: "list takes no KATA", args: []string{"list", "01"}, code: 2, stderr: []string{"list takes no KATA"}},
		{name: "hint level out of range", args: []string{"hint", "01", "--level", "99"}, code: 2, stderr: []string{"has hints 1 to"}},
		{name: "one KATA at a time", args: []string{"hint", "01", "02"}, code: 2, stderr: []string{"one KATA at a time"}},
		{name: "check an unknown kata, flag first", args: []string{"check", "--json", "99"}, code: 2, noStdout: true},
		{name: "diff refused before solving", args: []string{"solution", "--diff", "01"}, code: 1, stderr: []string{"not solved yet"}, noStdout: true},
		{name: "reset KATA or --all", args: []string{"reset", "01", "--all", "--yes"}, code: 2, stderr: []string{"not both"}},
		{name: "book without KATA is the contents", args: []string{"book"}, stdout: []string{"01-wg-ordering.md"}},
		{name: "book by number", args: []string{"book", "2"}, stdout: []string{"# 02"}},
		{name: "doctor takes no arguments", args: []string{"doctor", "01"}, code: 2},
		{name: "book page by name", args: []string{"book", "toolbox"}, stdout: []string{"# "}},
		{name: "book of an unknown page", args: []string{"book", "nope"}, code: 2, stderr: []string{`no kata or page "nope"`, "other pages by name (toolbox)"}},
		{name: "an unknown route is refused off a terminal too", args: []string{"--route", "nope"}, code: 2, stderr: []string{`no route "nope"`, "known: self-study"}},
		{name: "book of an unknown number names katas and pages", args: []string{"book", "99"}, code: 2,
			stderr: []string{`no kata or page "99"`, "katas by number (01, 02)", "toolbox"}},
		{name: "reveal with --yes", args: []string{"solution", "01", "--reveal", "--yes"}, stdout: []string{"wg.Go(func() {", "solutions/01-wg-ordering/prices.go"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := h.run(t, tt.stdin, tt.env, tt.args...)
			assert.Equal(t, tt.code, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			for _, s := range tt.stdout {
				assert.Contains(t, out, s)
			}
			for _, s := range tt.stderr {
				assert.Contains(t, flat(errOut), flat(s))
			}
			if tt.noStdout {
				assert.Empty(t, out)
			}
			if tt.jsonDoc {
				var v any
				dec := json.NewDecoder(strings.NewReader(out))
				require.NoError(t, dec.Decode(&v))
				assert.False(t, dec.More(), "exactly one JSON document")
			}
		})
	}
}

// TestSolveFlow walks the learner's loop: check fails with a race at the
// learner's line, the solution is refused, the fix is copied in, check
// passes, the solution unlocks, reset restores the original and backs up.
func TestSolveFlow(t *testing.T) {
	defer noLeaks(t)
	h := newHarness(t)
	out, _, code := h.run(t, "", nil, "check", "01", "--json")
	require.Equal(t, 1, code)
	var v struct {
		Outcome  string `json:"outcome"`
		Findings []struct {
			Kind, File string
			Line       int
		} `json:"findings"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	assert.Equal(t, "failing", v.Outcome)
	found := false
	for _, f := range v.Findings {
		if f.Kind == "race" && f.File == "katas/01-wg-ordering/prices.go" && f.Line > 0 {
			found = true
		}
	}
	assert.True(t, found, "a race finding at the learner's file: %s", out)

	kataFile := filepath.Join(h.root, "katas/01-wg-ordering/prices.go")
	original, err := os.ReadFile(kataFile)
	require.NoError(t, err)
	solution, err := os.ReadFile(filepath.Join(h.root, "solutions/01-wg-ordering/prices.go"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(kataFile, solution, 0o644))

	out, errOut, code := h.run(t, "", nil, "check")
	require.Equal(t, 0, code, "%s\n%s", out, errOut)
	assert.Contains(t, out, "01-wg-ordering solved")
	assert.Contains(t, out, "Next: kata check 02")
	assert.Contains(t, errOut, "building the tests with the race detector", "the phases go to stderr")
	out, _, code = h.run(t, "", nil, "list")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "1 of 2 solved")
	assert.Regexp(t, `(?m)^>\s+02-unclosed-body`, out, "solving moves on to the next pending kata")
	out, _, code = h.run(t, "", nil, "list", "--json")
	assert.Equal(t, 0, code)
	var doc listDoc
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	assert.Equal(t, "02-unclosed-body", doc.Current)
	assert.Equal(t, 2, doc.Katas[0].Attempts)
	out, _, code = h.run(t, "", nil, "solution", "01")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "wg.Go(func() {")
	out, _, code = h.run(t, "", nil, "solution", "--diff", "wg-ordering")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "identical to the solution")

	out, _, code = h.run(t, "", nil, "reset", "01", "--yes")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "reset: 1 file put back")
	now, err := os.ReadFile(kataFile)
	require.NoError(t, err)
	assert.Equal(t, original, now)
	backups, _ := filepath.Glob(filepath.Join(h.state, "backups", "*", "01-wg-ordering", "prices.go"))
	require.Len(t, backups, 1)
	saved, _ := os.ReadFile(backups[0])
	assert.Equal(t, solution, saved, "the learner's version is backed up")
	out, _, _ = h.run(t, "", nil, "list", "--json")
	assert.Contains(t, out, `"status": "pending"`)
}

// TestBookWithoutContents: with no SUMMARY.md, book shows the current
// kata's chapter.
func TestBookWithoutContents(t *testing.T) {
	defer noLeaks(t)
	h := newHarness(t)
	require.NoError(t, os.Remove(filepath.Join(h.root, "book", "SUMMARY.md")))
	out, errOut, code := h.run(t, "", nil, "book")
	assert.Equal(t, 0, code, errOut)
	assert.True(t, strings.HasPrefix(out, "# 01 · "), out)
}

// TestCorruptProgress: a corrupt progress file is moved aside with a warning.
func TestCorruptProgress(t *testing.T) {
	defer noLeaks(t)
	h := newHarness(t)
	require.NoError(t, os.WriteFile(filepath.Join(h.state, "progress.json"), []byte("{broken"), 0o644))
	out, errOut, code := h.run(t, "", nil, "list")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "01-wg-ordering")
	assert.Contains(t, flat(errOut), "moved it to")
}

// TestNotInWorkbook: outside a workbook the runner says so (exit 2).
func TestNotInWorkbook(t *testing.T) {
	defer noLeaks(t)
	h := newHarness(t)
	cmd := exec.Command(h.bin, "list")
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, 2, ee.ExitCode())
	assert.Contains(t, string(out), "not inside the workbook")
}

func TestParseArgs(t *testing.T) {
	defer noLeaks(t)
	tests := []struct {
		args []string
		pos  []string
		json bool
		runs int
	}{
		{[]string{"01", "--json"}, []string{"01"}, true, 1},
		{[]string{"--json", "01", "02", "--runs", "3"}, []string{"01", "02"}, true, 3},
		{[]string{"--", "--json"}, []string{"--json"}, false, 1},
		{nil, nil, false, 1},
	}
	for _, tt := range tests {
		fs := newTestFlags()
		pos, err := parseArgs(fs.set, tt.args)
		require.NoError(t, err)
		assert.Equal(t, tt.pos, pos, "%v", tt.args)
		assert.Equal(t, tt.json, *fs.json, "%v", tt.args)
		assert.Equal(t, tt.runs, *fs.runs, "%v", tt.args)
	}
	_, err := parseArgs(newTestFlags().set, []string{"--nope"})
	var ee *exitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, exitUsage, ee.code)
}

// TestKataNamesAndFlagOrder: every spelling of KATA, with flags before or
// after it, gives the same output.
func TestKataNamesAndFlagOrder(t *testing.T) {
	defer noLeaks(t)
	h := newHarness(t)
	groups := [][][]string{
		{
			{"hint", "01", "--level", "1"},
			{"hint", "--level", "1", "1"},
			{"hint", "01-wg-ordering", "--level=1"},
			{"hint", "-level", "1", "wg-ordering"},
		},
		{
			{"solution", "02", "--diff"},
			{"solution", "--diff", "2"},
			{"solution", "unclosed-body", "-diff"},
		},
	}
	for _, variants := range groups {
		type result struct {
			stdout, stderr string
			code           int
		}
		var first result
		for i, args := range variants {
			out, errOut, code := h.run(t, "", nil, args...)
			got := result{out, errOut, code}
			if i == 0 {
				first = got
				continue
			}
			assert.Equal(t, first, got, "%v differs from %v", args, variants[0])
		}
	}
}
