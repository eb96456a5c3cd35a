package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// explain runs `kata explain args...` on stdin and returns stdout and the
// exit code.
func explain(t *testing.T, stdin string, tty bool, args ...string) (string, int, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	e := &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut, dir: t.TempDir(),
		getenv: func(string) string { return "" }, stdinTTY: tty}
	err := cmdExplain(context.Background(), e, args)
	return out.String(), exitCode(context.Background(), err), err
}

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../../internal/diagnose/testdata/" + name)
	require.NoError(t, err)
	return string(b)
}

// snapshot is the absolute path of the code a fixture was recorded from.
func snapshot(t *testing.T, name string) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "internal", "diagnose", "testdata", "src", name))
	require.NoError(t, err)
	return filepath.ToSlash(dir)
}

func TestExplain(t *testing.T) {
	defer noLeaks(t)
	tests := []struct {
		name        string
		stdin       string
		tty         bool
		args        []string
		code        int
		contains    []string
		errContains []string
	}{
		{name: "a buggy kata", stdin: fixture(t, "01-buggy.json"), code: 1,
			contains: []string{"race ", "prices.go:77", "leak ", "deadlock ", "assertion ", "FAIL: 10 findings"}},
		{name: "a solved kata", stdin: fixture(t, "01-solved.json"), code: 0, contains: []string{"PASS: 11 tests passed"}},
		{name: "a compile error", stdin: fixture(t, "pkg-build.json"), code: 1, contains: []string{"build ", "broken.go:7:9  undefined: y"}},
		{name: "plain go test output, no -json", stdin: "--- FAIL: TestX (0.00s)\n    x_test.go:3: boom\nFAIL\n", code: 2,
			errContains: []string{"not `go test -json` output", "go test -race -json ./... | kata explain"}},
		{name: "empty input", stdin: "", code: 2, errContains: []string{"stdin was empty"}},
		// A stream recorded in another checkout, on another machine, and
		// explained from a directory outside any module: the same places,
		// relative to the module.
		{name: "another machine's paths", stdin: strings.ReplaceAll(fixture(t, "04-buggy.json"), "$ROOT", "/home/someone/src/concurrency"), code: 1,
			contains: []string{"leak  katas/04-mutex-defer/ledger.go:64", "deadlock  katas/04-mutex-defer/ledger_test.go:127",
				"assertion  katas/04-mutex-defer/ledger_test.go:133", "started at internal/katatest/call.go:50"}},
		// Recorded on this machine in a checkout that is not the current
		// directory (the snapshot of the code the run was recorded from):
		// the same places, and the causes read from that checkout.
		{name: "another directory", stdin: strings.ReplaceAll(fixture(t, "04-buggy.json"), "$ROOT", snapshot(t, "04-buggy")), code: 1,
			contains: []string{"leak  katas/04-mutex-defer/ledger.go:64", "cause: katas/04-mutex-defer/ledger.go:71 — returns with l.mu still locked",
				"cause: katas/04-mutex-defer/ledger.go:73", "FAIL: 8 findings"}},
		{name: "stdin is a terminal", tty: true, code: 2},
		{name: "unexpected argument", args: []string{"01"}, code: 2},
		{name: "unknown flag", args: []string{"--nope"}, code: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, code, err := explain(t, tt.stdin, tt.tty, tt.args...)
			assert.Equal(t, tt.code, code, out)
			for _, s := range tt.contains {
				assert.Contains(t, out, s)
			}
			for _, s := range tt.errContains {
				require.Error(t, err)
				assert.Contains(t, err.Error(), s)
			}
		})
	}
}

func TestExplainJSON(t *testing.T) {
	defer noLeaks(t)
	for _, args := range [][]string{{"--json"}, {"-json"}} {
		out, code, err := explain(t, fixture(t, "pkg-race.json"), false, args...)
		assert.Equal(t, 1, code)
		var ee *exitError
		require.True(t, errors.As(err, &ee))
		assert.Empty(t, ee.msg, "findings are the output, not an error message")
		dec := json.NewDecoder(strings.NewReader(out))
		var doc struct {
			Schema      int  `json:"schema"`
			Passed      bool `json:"passed"`
			BuildFailed bool `json:"build_failed"`
			Findings    []struct{ Kind, File string }
		}
		require.NoError(t, dec.Decode(&doc))
		assert.False(t, dec.More(), "exactly one JSON document")
		assert.Equal(t, 1, doc.Schema, "every --json document carries its schema version")
		require.Len(t, doc.Findings, 1)
		assert.Equal(t, "race", doc.Findings[0].Kind)
	}
	out, code, _ := explain(t, fixture(t, "01-solved.json"), false, "--json")
	assert.Equal(t, 0, code)
	assert.True(t, json.Valid([]byte(out)))
}
