package counter

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/katatest"
)

// TestCount: the second job finishes 50 ms after the first; Count must wait
// for it. The buggy Count returns after the first job, the second job's
// n++ then races with Count's read, and its send blocks for good.
func TestCount(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	release := make(chan struct{})
	time.AfterFunc(50*time.Millisecond, func() { close(release) }) // not stopped: the job must finish
	var second atomic.Bool
	jobs := []func(){func() {}, func() { <-release; second.Store(true) }}
	var n int
	katatest.Within(t, katatest.GuardTimeout, "Count", func() { n = Count(jobs) })
	assert.True(t, second.Load(), "Count returned before the second job finished")
	assert.Equal(t, 2, n)
}
