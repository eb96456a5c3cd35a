//go:build unix

package proc

import (
	"context"
	"errors"
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

// TestNoOrphans starts a child that starts a grandchild (`sleep 1000`, as a
// kata test might), then ends the run by timeout, by cancel, or by the child
// simply returning: the grandchild and the whole process group must be gone,
// within the time bound.
func TestNoOrphans(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		name    string
		script  string
		timeout time.Duration
		cancel  time.Duration
		check   func(t *testing.T, res Result, err error)
	}{
		{name: "timeout", script: "sleep 1000 & echo $! > PIDFILE; wait", timeout: 300 * time.Millisecond,
			check: func(t *testing.T, res Result, err error) {
				require.NoError(t, err)
				assert.True(t, res.TimedOut)
			}},
		{name: "cancel", script: "sleep 1000 & echo $! > PIDFILE; wait", cancel: 300 * time.Millisecond,
			check: func(t *testing.T, res Result, err error) {
				require.ErrorIs(t, err, context.Canceled)
			}},
		{name: "child returns, grandchild holds the pipe", script: "sleep 1000 & echo $! > PIDFILE; echo done",
			check: func(t *testing.T, res Result, err error) {
				require.NoError(t, err)
				assert.Equal(t, 0, res.ExitCode)
				assert.Equal(t, "done\n", string(res.Output))
				assert.Less(t, res.Duration, time.Second, "the grandchild's pipe must not hold the run")
			}},
		{name: "grandchild ignores SIGTERM", script: "sh -c 'trap \"\" TERM; sleep 1000' & echo $! > PIDFILE; wait",
			timeout: 300 * time.Millisecond,
			check: func(t *testing.T, res Result, err error) {
				require.NoError(t, err)
				assert.True(t, res.TimedOut)
			}},
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
			cmd := sh(strings.ReplaceAll(tt.script, "PIDFILE", pidFile))
			cmd.Timeout = tt.timeout
			start := time.Now()
			res, err := Run(ctx, cmd)
			// The scripts sleep 1000 s: returning at all means the group was
			// killed; the bound only names the failure, no machine misses it.
			assert.Less(t, time.Since(start), 5*time.Minute)
			tt.check(t, res, err)
			require.NotZero(t, res.PID)

			data, err := os.ReadFile(pidFile)
			require.NoError(t, err)
			pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
			require.NoError(t, err)
			require.Eventually(t, func() bool {
				return !alive(t, pid, false)
			}, 2*time.Second, 10*time.Millisecond, "grandchild %d survived", pid)
			require.Eventually(t, func() bool {
				return !alive(t, res.PID, true)
			}, 2*time.Second, 10*time.Millisecond, "process group %d is not empty", res.PID)
		})
	}
}

// alive reports whether process pid (or, with group, any process of process
// group pid) is still running. A zombie is dead: it only waits for its new
// parent (here often a slow-reaping PID 1) to collect its exit status. Where
// /proc is missing it falls back to kill(pid, 0), which counts zombies as
// alive.
func alive(t *testing.T, pid int, group bool) bool {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		target := pid
		if group {
			target = -pid
		}
		return !errors.Is(syscall.Kill(target, 0), syscall.ESRCH)
	}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil || (!group && p != pid) {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // exited meanwhile
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
		fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
		if len(fields) < 3 || fields[0] == "Z" || fields[0] == "X" {
			continue
		}
		if pgrp, _ := strconv.Atoi(fields[2]); !group || pgrp == pid {
			return true
		}
	}
	return false
}
