package katatest_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/katatest"
	"github.com/gokatas/concurrency/internal/katatest/vault"
)

// TestWithinReturns: a call that returns in time passes.
func TestWithinReturns(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	rec := &recorder{TB: t}
	v := vault.New()
	assert.True(t, katatest.Within(rec, time.Second, "deposit", v.Deposit))
	assert.Empty(t, rec.failures())
	assert.Equal(t, 1, v.Coins())
}

// TestWithinFailsAWaitingCallAtD: a call that waits is failed at d.
func TestWithinFailsAWaitingCallAtD(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	rec := &recorder{TB: t}
	v := vault.New()
	v.Seize()
	assert.False(t, katatest.Within(rec, 20*time.Millisecond, "deposit", v.Deposit))
	failures := rec.failures()
	require.Len(t, failures, 1)
	assert.Contains(t, failures[0], katatest.DeadlockMarker+" deposit did not return within 20ms")
	v.Release()
	require.True(t, katatest.WaitIdle(t, "the stuck deposit, released"))
}

// A call that keeps the CPU busy past d is not blocked: it gets more time.
func TestWithinExtendsACallStillOnTheCPU(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	rec := &recorder{TB: t}
	busy := func() {
		for end := time.Now().Add(100 * time.Millisecond); time.Now().Before(end); {
		}
	}
	assert.True(t, katatest.Within(rec, 10*time.Millisecond, "busy", busy))
	assert.Empty(t, rec.failures())
}
