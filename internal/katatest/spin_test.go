package katatest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// spinChildEnv tells the test binary that it runs as TestSynctestNoSpin's
// child, which must spin.
const spinChildEnv = "KATATEST_SPIN_CHILD"

// TestSynctestNoSpin: a bubble whose goroutines block between events runs
// to the end; one whose goroutine never blocks ends the process with exit
// status 1 and a deadlock-guard message naming the spinning goroutine.
func TestSynctestNoSpin(t *testing.T) {
	if os.Getenv(spinChildEnv) != "" {
		SynctestNoSpin(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			go spinUntil(ctx)
			time.Sleep(time.Second) // the fake clock never gets there
		})
		return
	}
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	t.Run("a bubble that blocks", func(t *testing.T) {
		SynctestNoSpin(t, func(t *testing.T) {
			ticks := 0
			ticker := time.NewTicker(time.Second)
			defer ticker.Stop()
			for range 3 {
				<-ticker.C
				ticks++
			}
			assert.Equal(t, 3, ticks)
		})
	})

	t.Run("a bubble that spins", func(t *testing.T) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSynctestNoSpin$", "-test.count=1", "-test.v", "-test.timeout=60s")
		cmd.Env = append(os.Environ(), spinChildEnv+"=1", "GORACE=atexit_sleep_ms=0")
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit, "the child's output:\n%s", out)
		assert.Equal(t, 1, exit.ExitCode())
		assert.Contains(t, string(out), DeadlockMarker+" a goroutine of the synctest bubble has been running for")
		assert.Contains(t, string(out), "katatest.spinUntil", "the message shows the spinning goroutine's stack")
		assert.NotContains(t, string(out), "test timed out")
	})
}

// spinUntil keeps a CPU busy, never blocking, until ctx ends.
func spinUntil(ctx context.Context) {
	for ctx.Err() == nil {
	}
}

// TestSpinning picks a bubble goroutine that is on a CPU, preferring the
// one already being timed.
func TestSpinning(t *testing.T) {
	gs := []Goroutine{
		{ID: "1", State: "running"},               // outside any bubble
		{ID: "2", State: "select", Bubble: "4"},   // blocked
		{ID: "3", State: "runnable", Bubble: "4"}, // on a CPU
		{ID: "5", State: "running", Bubble: "4"},  // on a CPU
		{ID: "6", State: "chan receive", Bubble: "4"},
		{ID: "7", State: "semacquire", Bubble: "4", Stack: "sync.runtime_SemacquireWaitGroup(...)"}, // a real wait
	}
	tests := []struct {
		name      string
		timed     string
		wantID    string
		wantStill bool
	}{
		{name: "nothing timed yet", timed: "", wantID: "3"},
		{name: "the timed goroutine still runs", timed: "5", wantID: "5", wantStill: true},
		{name: "the timed goroutine blocked", timed: "2", wantID: "3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, still := spinning(gs, tt.timed)
			assert.Equal(t, tt.wantID, g.ID)
			assert.Equal(t, tt.wantStill, still)
		})
	}
	g, _ := spinning(gs[:2], "")
	assert.Empty(t, g.ID, "no bubble goroutine on a CPU")

	// A loop that allocates is seen, now and then, waiting for the runtime:
	// it is still the one being timed.
	for _, state := range []string{"GC assist wait", "semacquire"} {
		gs := []Goroutine{{ID: "9", State: state, Bubble: "4", Stack: "example.com/poller.poll(...)"}}
		g, still := spinning(gs, "9")
		assert.True(t, still, "a goroutine in %q", state)
		assert.Equal(t, "9", g.ID)
	}
}
