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

// recorder is a testing.TB that keeps the failures a guard reports instead
// of failing the test, so that a test can check the guard's verdict. Only
// Helper and Errorf may be called on it.
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

// TestCompletes gives Completes calls that return and calls that can never
// return, and checks its verdict and message.
func TestCompletes(t *testing.T) {
	tests := []struct {
		name string
		// call is the guarded call; release, closed after the verdict,
		// lets a stuck call end before the leak check.
		call    func(v *vault.Vault, release <-chan struct{})
		want    bool
		wantMsg string
	}{
		{
			name: "a call that returns",
			call: func(v *vault.Vault, _ <-chan struct{}) { v.Deposit() },
			want: true,
		},
		{
			// Not stuck: the holder is alive, and the wait ends when it
			// lets go.
			name: "a call that waits for a lock a sleeping holder keeps",
			call: func(v *vault.Vault, _ <-chan struct{}) {
				locked := make(chan struct{})
				go v.HoldFor(50*time.Millisecond, locked)
				<-locked
				v.Deposit()
			},
			want: true,
		},
		{
			name: "a call that waits for a lock nobody releases",
			call: func(v *vault.Vault, release <-chan struct{}) {
				v.Seize() // a holder that has gone
				go func() { <-release; v.Release() }()
				v.Deposit()
			},
			wantMsg: katatest.DeadlockMarker + " the call never returns: it waits in sync.Mutex.Lock in (*Vault).Deposit",
		},
		{
			name:    "a call that waits on a channel nobody else will touch",
			call:    func(_ *vault.Vault, release <-chan struct{}) { <-release },
			wantMsg: katatest.DeadlockMarker + " the call never returns: it waits in chan receive",
		},
		{
			name: "a lock cycle",
			call: func(_ *vault.Vault, release <-chan struct{}) {
				var a, b sync.Mutex
				a.Lock()
				bLocked := make(chan struct{})
				go func() {
					b.Lock()
					close(bLocked)
					a.Lock() // waits for the call, which waits for it
					b.Unlock()
					a.Unlock()
				}()
				<-bLocked
				go func() { <-release; a.Unlock() }()
				b.Lock() // waits for the goroutine, which waits for the call
				defer b.Unlock()
			},
			wantMsg: katatest.DeadlockMarker + " the call never returns: it waits in sync.Mutex.Lock",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

			v := vault.New()
			release := make(chan struct{})
			rec := &recorder{TB: t}
			got := katatest.Completes(rec, "the call", func() { tt.call(v, release) })
			close(release)
			assert.Equal(t, tt.want, got)
			if tt.wantMsg == "" {
				assert.Empty(t, rec.failures())
			} else if assert.Len(t, rec.failures(), 1) {
				assert.Contains(t, rec.failures()[0], tt.wantMsg)
			}
			require.True(t, katatest.WaitIdle(t, "the stuck call, released"))
		})
	}
}

// TestWaitBoundsACallThatNeverParks: a call that keeps running is failed
// once its spin bound has passed.
func TestWaitBoundsACallThatNeverParks(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	rec := &recorder{TB: t}
	v := vault.New()
	var stop atomic.Bool
	call := katatest.Go("spin", func() { v.Spin(&stop) })
	call.SetLimit(50 * time.Millisecond)
	assert.False(t, call.Wait(rec))
	stop.Store(true)
	failures := rec.failures()
	require.Len(t, failures, 1)
	assert.Contains(t, failures[0], katatest.DeadlockMarker+" spin did not return within 50ms and is still running")
	call.SetLimit(katatest.SpinTimeout)
	assert.True(t, call.Wait(t), "the spinner returns once stopped")
}

// TestGoOrdersTheCall: once Wait gives true, what the call wrote is safe
// to read, and Returned says so.
func TestGoOrdersTheCall(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	v := vault.New()
	wrote := 0
	ids := make(chan string, 1)
	call := katatest.Go("deposit", func() { v.Deposit(); wrote = 1; ids <- katatest.GoroutineID() })
	require.True(t, call.Wait(t))
	assert.Equal(t, call.ID(), <-ids, "the call's goroutine")
	assert.True(t, call.Returned())
	assert.Equal(t, 1, wrote)
	assert.Equal(t, 1, v.Coins())
}

// TestGoUnordered: Wait sees the goroutine end in a dump.
func TestGoUnordered(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	v := vault.New()
	out := make(chan int, 1)
	call := katatest.GoUnordered("deposit", func() {
		v.Deposit()
		out <- 1
	})
	assert.True(t, call.Wait(t))
	assert.True(t, call.Returned())
	assert.Len(t, out, 1, "the goroutine has ended, so it has sent")
}

// TestParked tells a call that waits for another goroutine from one that
// runs or sleeps.
func TestParked(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	v := vault.New()
	v.Seize()
	deposit := katatest.Go("deposit", v.Deposit)
	require.True(t, katatest.WaitParked(goroutineOf(t, "(*Vault).Deposit")))
	assert.True(t, deposit.Parked(), "a call waiting for a lock is parked")

	var stop atomic.Bool
	spinner := katatest.Go("spin", func() { v.Spin(&stop) })
	assert.False(t, spinner.Parked(), "a running call is not parked")
	stop.Store(true)
	v.Release()
	assert.True(t, deposit.Wait(t))
	assert.True(t, spinner.Wait(t))
	assert.True(t, deposit.Parked(), "a call that returned counts as parked")
}

// TestReturns waits for a channel some goroutine closes, and fails at once
// for one nothing is left to close.
func TestReturns(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	done := make(chan struct{})
	go func() {
		time.Sleep(10 * time.Millisecond) // busy, as far as Returns is concerned
		close(done)
	}()
	assert.True(t, katatest.Returns(t, "the event", done))

	rec := &recorder{TB: t}
	never := make(chan struct{})
	assert.False(t, katatest.Returns(rec, "the other event", never))
	if assert.Len(t, rec.failures(), 1) {
		assert.Contains(t, rec.failures()[0], katatest.DeadlockMarker+" the other event never happens")
	}
}

// TestStart keeps the deprecated Start working with Returns.
func TestStart(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	v := vault.New()
	done := katatest.Start(v.Deposit)
	assert.True(t, katatest.Returns(t, "Deposit", done))
	assert.Equal(t, 1, v.Coins())
}

// goroutineOf returns the number of the one goroutine whose stack shows
// fn, waiting for it to appear.
func goroutineOf(t *testing.T, fn string) string {
	t.Helper()
	for {
		for _, g := range katatest.Goroutines() {
			if strings.Contains(g.Stack, fn) {
				return g.ID
			}
		}
		time.Sleep(100 * time.Microsecond)
	}
}

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

// TestWaitBoundsACallBehindASpinner: a call that waits while another
// goroutine keeps running is failed once its bound has passed, and the
// message says where it waits.
func TestWaitBoundsACallBehindASpinner(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Go(func() {
		for !stop.Load() {
		}
	})
	release := make(chan struct{})
	rec := &recorder{TB: t}
	call := katatest.Go("the call", func() { <-release })
	call.SetLimit(50 * time.Millisecond)
	assert.False(t, call.Wait(rec))
	stop.Store(true)
	wg.Wait()
	close(release)
	if assert.Len(t, rec.failures(), 1) {
		assert.Contains(t, rec.failures()[0], "the call did not return within 50ms: it waits in chan receive in ")
	}
	require.True(t, katatest.WaitIdle(t, "the call, released"))
}

// TestCallWaitParked tells a call that waits from one that has returned.
func TestCallWaitParked(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	v := vault.New()
	v.Seize()
	deposit := katatest.Go("deposit", v.Deposit)
	returned, ok := deposit.WaitParked()
	assert.True(t, ok)
	assert.False(t, returned, "the deposit waits for the lock")

	v.Release()
	require.True(t, deposit.Wait(t))
	returned, ok = deposit.WaitParked()
	assert.True(t, ok)
	assert.True(t, returned, "the deposit has returned")
}
