package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConfirm: a terminal is asked; elsewhere only --yes confirms.
func TestConfirm(t *testing.T) {
	defer noLeaks(t)
	tests := []struct {
		name   string
		tty    bool
		yes    bool
		answer string
		want   bool
		code   int // exit code of the error, 0 for none
	}{
		{name: "yes on a terminal", tty: true, answer: "y\n", want: true},
		{name: "YES on a terminal", tty: true, answer: " YES \n", want: true},
		{name: "enter is no", tty: true, answer: "\n", want: false},
		{name: "anything else is no", tty: true, answer: "sure\n", want: false},
		{name: "end of input is no", tty: true, answer: "", want: false},
		{name: "--yes on a terminal does not ask", tty: true, yes: true, want: true},
		{name: "--yes off a terminal", yes: true, want: true},
		{name: "off a terminal without --yes", answer: "y\n", code: exitFailing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errOut bytes.Buffer
			e := &env{stdin: strings.NewReader(tt.answer), stderr: &errOut, stdinTTY: tt.tty}
			got, err := confirm(e, tt.yes, "Reveal?")
			if tt.code != 0 {
				var ee *exitError
				require.ErrorAs(t, err, &ee)
				assert.Equal(t, tt.code, ee.code)
				assert.Contains(t, ee.msg, "--yes")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			if tt.tty && !tt.yes {
				assert.Equal(t, "Reveal? [y/N] ", errOut.String())
			} else {
				assert.Empty(t, errOut.String(), "no question asked")
			}
		})
	}
}

// TestBrokenKataMetadata: a half-written kata does not stop the learner's
// commands (one warning line each, the other katas as usual), but it fails
// the self-check.
func TestBrokenKataMetadata(t *testing.T) {
	defer noLeaks(t)
	h := newHarness(t)
	dir := filepath.Join(h.root, "katas", "100-team-draft")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "kata.json"), []byte(`{"format": 1, "id": "100-team-draft"}`), 0o644))
	const problem = `katas/100-team-draft/kata.json: field "title": is empty`
	for _, args := range [][]string{{"list"}, {"hint", "01"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			out, errOut, code := h.run(t, "", nil, args...)
			assert.Equal(t, 0, code, "stderr: %s", errOut)
			assert.NotEmpty(t, out)
			assert.Equal(t, 1, strings.Count(errOut, "kata: warning:"), "one warning line per broken kata: %s", errOut)
			assert.Contains(t, flat(errOut), problem)
			assert.NotContains(t, out, "100-team-draft")
		})
	}
	t.Run("verify", func(t *testing.T) {
		_, errOut, code := h.run(t, "", nil, "verify", "--buggy", "01")
		assert.Equal(t, exitUsage, code)
		assert.Contains(t, flat(errOut), problem)
	})
}
