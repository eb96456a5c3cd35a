//go:build unix

package check

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestInterrupt is Ctrl-C during a run, as the CLI wires it: SIGINT cancels
// the context (signal.NotifyContext), Run returns at once, the test binary
// (in its own process group, so the terminal's SIGINT never reached it) is
// killed, and the learner's file is unchanged.
func TestInterrupt(t *testing.T) {
	defer goleak.VerifyNone(t)
	c, k := workbook(t)
	learnerEdit(t, c, k, anchor, anchor+"\tfor len(jobs) > 0 {\n\t}\n")
	before, _ := os.ReadFile(c.Path(k.Dir, fixtureFile))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	r := &Runner{Root: c.Root, Race: true}
	updates := make(chan Update)
	done := make(chan error, 1)
	go func() {
		_, err := r.Run(ctx, k, updates)
		done <- err
	}()
	var interrupted time.Time
	for u := range updates {
		if u.Phase == PhaseTesting && interrupted.IsZero() {
			interrupted = time.Now()
			require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGINT))
		}
	}
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
		assert.Less(t, time.Since(interrupted), 3*time.Second)
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after SIGINT")
	}
	after, _ := os.ReadFile(c.Path(k.Dir, fixtureFile))
	assert.Equal(t, before, after)
	assertNoTestProcesses(t)
}
