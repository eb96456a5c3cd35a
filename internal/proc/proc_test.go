package proc

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func sh(script string) Cmd { return Cmd{Path: "/bin/sh", Args: []string{"-c", script}} }

func TestRunOutcomes(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		name      string
		cmd       Cmd
		wantCode  int
		wantOut   string
		wantLines int
		truncated bool
	}{
		{name: "success", cmd: sh("echo one; echo two >&2"), wantOut: "one\ntwo\n", wantLines: 2},
		{name: "failure is not an error", cmd: sh("echo bad; exit 3"), wantCode: 3, wantOut: "bad\n", wantLines: 1},
		{name: "last line without newline", cmd: sh("printf 'a\\nb'"), wantOut: "a\nb\n", wantLines: 2},
		{name: "output is capped, lines still stream",
			cmd:     Cmd{Path: "/bin/sh", Args: []string{"-c", "seq 1 100000"}, MaxOutput: 10},
			wantOut: "1\n2\n3\n4\n5\n", wantLines: 100000, truncated: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := 0
			tt.cmd.OnLine = func(string) { lines++ }
			res, err := Run(context.Background(), tt.cmd)
			require.NoError(t, err)
			assert.Equal(t, tt.wantCode, res.ExitCode)
			assert.Equal(t, tt.wantOut, string(res.Output))
			assert.Equal(t, tt.wantLines, lines)
			assert.Equal(t, tt.truncated, res.Truncated)
			assert.False(t, res.TimedOut)
		})
	}
}

func TestRunHugeLineIsCut(t *testing.T) {
	defer goleak.VerifyNone(t)
	var got []int
	res, err := Run(context.Background(), Cmd{
		Path: "/bin/sh", Args: []string{"-c", "head -c 3000000 /dev/zero | tr '\\0' x; echo; echo end"},
		OnLine: func(l string) { got = append(got, len(l)) },
	})
	require.NoError(t, err)
	assert.Equal(t, []int{maxLine, 3}, got)
	assert.True(t, res.Truncated)
}

func TestStartFailure(t *testing.T) {
	defer goleak.VerifyNone(t)
	_, err := Run(context.Background(), Cmd{Path: filepath.Join(t.TempDir(), "no-such-program")})
	require.Error(t, err)
}

// TestStderrApart: with Cmd.Stderr set, Output and OnLine see the standard
// output alone (a parsed go list output never meets "go: downloading").
func TestStderrApart(t *testing.T) {
	defer goleak.VerifyNone(t)
	var stderr strings.Builder
	var lines []string
	c := sh("echo out; echo 'go: downloading x v1' >&2; echo more")
	c.Stderr = &stderr
	c.OnLine = func(l string) { lines = append(lines, l) }
	res, err := Run(context.Background(), c)
	require.NoError(t, err)
	assert.Equal(t, "out\nmore\n", string(res.Output))
	assert.Equal(t, []string{"out", "more"}, lines)
	assert.Equal(t, "go: downloading x v1\n", stderr.String())
}
