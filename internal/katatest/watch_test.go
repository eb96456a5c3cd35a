package katatest_test

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/katatest"
	"github.com/gokatas/concurrency/internal/katatest/vault"
)

// recorder is a testing.TB that keeps the failures a guard reports.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) failures() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errors...)
}

// watch watches package vault, the stand-in for code under test.
func watch() *katatest.Watch { return katatest.WatchPackageOf(vault.New) }

func TestWatchReturns(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	rec := &recorder{TB: t}
	v := vault.New()
	ok := watch().Returns(rec, "deposit", v.Deposit)
	assert.True(t, ok)
	assert.Empty(t, rec.failures())
	assert.Equal(t, 1, v.Coins(), "what the call did is visible once Returns gives true")
}

func TestWatchStuckOnALockNobodyReleases(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	rec := &recorder{TB: t}
	v := vault.New()
	v.Seize() // a holder that has gone: nothing in the package will unlock
	w := watch()
	w.Limit = time.Hour // only the dump can end the wait
	ok := w.Returns(rec, "deposit", v.Deposit)
	assert.False(t, ok)
	failures := rec.failures()
	require.Len(t, failures, 1)
	assert.True(t, strings.HasPrefix(failures[0], katatest.DeadlockMarker), failures[0])
	assert.Contains(t, failures[0], "sync.Mutex.Lock in (*Vault).Deposit")
	v.Release() // let the stuck call finish before the leak check
	for len(inVault()) > 0 {
		time.Sleep(time.Millisecond)
	}
}

func TestWatchWaitsForASlowHolder(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	rec := &recorder{TB: t}
	v := vault.New()
	locked := make(chan struct{})
	w := watch()
	holder := w.Go("hold", func() { v.HoldFor(100*time.Millisecond, locked) })
	<-locked
	ok := w.Returns(rec, "deposit", v.Deposit) // parked behind a holder that sleeps
	assert.True(t, ok)
	assert.True(t, holder.Wait(rec))
	assert.Empty(t, rec.failures())
}

func TestWatchLimitsACallThatNeverParks(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	rec := &recorder{TB: t}
	v := vault.New()
	var stop atomic.Bool
	w := watch()
	w.Limit = 50 * time.Millisecond
	ok := w.Returns(rec, "spin", func() { v.Spin(&stop) })
	assert.False(t, ok)
	failures := rec.failures()
	require.Len(t, failures, 1)
	assert.Contains(t, failures[0], "did not return within 50ms")
	stop.Store(true)
}

func TestWatchParked(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	v := vault.New()
	v.Seize()
	w := watch()
	call := w.Go("deposit", v.Deposit)
	for !call.Parked() {
		time.Sleep(100 * time.Microsecond)
	}
	var stop atomic.Bool
	spinner := w.Go("spin", func() { v.Spin(&stop) })
	assert.False(t, spinner.Parked(), "a running call is not parked")
	stop.Store(true)
	v.Release()
	assert.True(t, call.Wait(t))
	assert.True(t, spinner.Wait(t))
	assert.True(t, call.Parked(), "a call that returned counts as parked")
}

func TestWatchGoUnordered(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	v := vault.New()
	out := make(chan int, 1)
	call := watch().GoUnordered("deposit", func() {
		v.Deposit()
		out <- 1
	})
	assert.True(t, call.Wait(t))
	assert.Len(t, out, 1, "the goroutine has ended, so it has sent")
}

// inVault returns the goroutines still in a method of package vault.
func inVault() []katatest.Goroutine {
	var gs []katatest.Goroutine
	for _, g := range katatest.Goroutines() {
		if strings.Contains(g.Stack, "katatest/vault.(*Vault)") {
			gs = append(gs, g)
		}
	}
	return gs
}
