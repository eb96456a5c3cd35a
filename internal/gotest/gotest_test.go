package gotest

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

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

// TestNoOrphans starts a child that starts a grandchild, then ends the run by
// timeout or by cancel: the whole process group must be gone.
func TestNoOrphans(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		name    string
		timeout time.Duration
		cancel  time.Duration
	}{
		{name: "timeout", timeout: 300 * time.Millisecond},
		{name: "cancel", cancel: 300 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pidFile := filepath.Join(t.TempDir(), "pid")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel > 0 {
				timer := time.AfterFunc(tt.cancel, cancel)
				defer timer.Stop()
			}
			cmd := sh("sleep 1000 & echo $! > " + pidFile + "; wait")
			cmd.Timeout = tt.timeout
			start := time.Now()
			res, err := Run(ctx, cmd)
			assert.Less(t, time.Since(start), 5*time.Second)
			if tt.timeout > 0 {
				require.NoError(t, err)
				assert.True(t, res.TimedOut)
			} else {
				require.ErrorIs(t, err, context.Canceled)
			}
			data, err := os.ReadFile(pidFile)
			require.NoError(t, err)
			pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
			require.NoError(t, err)
			require.Eventually(t, func() bool {
				return syscall.Kill(pid, 0) != nil // gone (a zombie reaped by init counts too)
			}, 2*time.Second, 10*time.Millisecond, "grandchild %d survived", pid)
		})
	}
}
