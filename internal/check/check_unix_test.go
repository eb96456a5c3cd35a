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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	took := stopWhileTesting(t, ctx, func() {
		require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGINT))
	})
	assert.Less(t, took, 3*time.Second)
}
