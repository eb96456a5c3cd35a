package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lockedBuffer is a bytes.Buffer safe to read while a process writes it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// addSlowKata adds kata 09 to the harness's workbook: a test that sleeps
// for a minute, so a check of it is still running when interrupted.
func addSlowKata(t *testing.T, h *harness) {
	t.Helper()
	code := "package slow\n\n// Slow is the learner's code.\nfunc Slow() {}\n"
	sum := sha256.Sum256([]byte(code))
	files := map[string]string{
		"katas/09-slow/kata.json": `{"format": 1, "id": "09-slow", "title": "Slow", "summary": "A test that takes a minute.",
  "files": ["slow.go"], "detectors": ["deadlock"], "minutes": 1, "chapter": "book/09-slow.md",
  "originals": {"slow.go": "` + hex.EncodeToString(sum[:]) + `"}}`,
		"katas/09-slow/slow.go":      code,
		"katas/09-slow/slow_test.go": "package slow\n\nimport (\n\t\"testing\"\n\t\"time\"\n)\n\nfunc TestSlow(t *testing.T) { Slow(); time.Sleep(time.Hour) }\n",
		"katas/09-slow/hints.md":     "# Hints\n\n## One\n\nWait.\n",
		"book/09-slow.md":            "# 09 · Slow\n",
	}
	for rel, content := range files {
		p := filepath.Join(h.root, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
}

// TestInterrupt: Ctrl-C during a check stops it at once with exit code 130.
func TestInterrupt(t *testing.T) {
	defer noLeaks(t)
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT to send on Windows")
	}
	h := newHarness(t)
	addSlowKata(t, h)
	cmd := exec.Command(h.bin, "check", "09")
	cmd.Dir = h.root
	cmd.Env = append(os.Environ(), "KATA_STATE_DIR="+h.state, "NO_COLOR=1")
	var out, errOut lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	require.NoError(t, cmd.Start())
	require.Eventually(t, func() bool { return strings.Contains(errOut.String(), "running the tests") },
		2*time.Minute, 20*time.Millisecond, "the check reaches its tests")
	time.Sleep(200 * time.Millisecond) // let the test binary start its sleep
	start := time.Now()
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	err := cmd.Wait()
	var ee *exec.ExitError
	require.True(t, errors.As(err, &ee), "stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
	assert.Equal(t, 130, ee.ExitCode(), "stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
	// The test sleeps an hour: returning at all means it was stopped. The
	// bound only names the failure; no loaded machine takes minutes to kill.
	assert.Less(t, time.Since(start), 5*time.Minute, "stops at once, not after the test's hour")
	assert.Contains(t, errOut.String(), "kata: interrupted")
}

// TestHintLevels: hints go up one level at a time, remembered in progress;
// --level shows any level without lowering the remembered one.
func TestHintLevels(t *testing.T) {
	defer noLeaks(t)
	h := newHarness(t)
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"hint", "01"}, "hint 1 of"},
		{[]string{"hint", "01"}, "hint 2 of"},
		{[]string{"hint", "--level", "1", "01"}, "hint 1 of"},
		{[]string{"hint", "01"}, "hint 3 of"},
	}
	for _, s := range steps {
		out, errOut, code := h.run(t, "", nil, s.args...)
		require.Equal(t, 0, code, "%v: %s", s.args, errOut)
		assert.Contains(t, out, s.want, "%v", s.args)
	}
	out, _, code := h.run(t, "", nil, "list", "--json")
	require.Equal(t, 0, code)
	assert.Contains(t, out, `"hints_used": 3`)
}
