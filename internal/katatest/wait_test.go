package katatest_test

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/katatest"
)

// TestGoroutineID: a number, one per goroutine, as dumps print it.
func TestGoroutineID(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	id := katatest.GoroutineID()
	_, err := strconv.Atoi(id)
	require.NoError(t, err, "id %q", id)
	assert.Equal(t, katatest.Current().ID, id)

	other := make(chan string)
	go func() { other <- katatest.GoroutineID() }()
	assert.NotEqual(t, id, <-other, "two goroutines, two ids")
}

// TestWaitIdleWaitsOutSleepers: a sleeping goroutine is busy.
func TestWaitIdleWaitsOutSleepers(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	release := make(chan struct{})
	var parked atomic.Bool
	go func() {
		time.Sleep(20 * time.Millisecond)
		parked.Store(true)
		<-release
	}()
	rec := &recorder{TB: t}
	assert.True(t, katatest.WaitIdle(rec, "a sleeper"))
	assert.True(t, parked.Load(), "WaitIdle returned while a goroutine was still sleeping")
	assert.Empty(t, rec.failures())
	close(release)
}

// TestWaitIdleBoundsASpinner: a goroutine that never waits fails WaitIdle
// once the bound has passed.
func TestWaitIdleBoundsASpinner(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Go(func() {
		for !stop.Load() {
		}
	})
	rec := &recorder{TB: t}
	assert.False(t, katatest.WaitIdleWithin(rec, "a spinner", 50*time.Millisecond))
	stop.Store(true)
	wg.Wait()
	if assert.Len(t, rec.failures(), 1) {
		assert.Contains(t, rec.failures()[0], katatest.DeadlockMarker+" a spinner: some goroutine is still running after 50ms")
	}
}

// TestWaitParked waits for named goroutines to end or wait for another one.
func TestWaitParked(t *testing.T) {
	tests := []struct {
		name string
		// start runs a goroutine, sends its id on ids, and returns a func
		// that ends it.
		start func(ids chan<- string) (end func())
		want  bool
	}{
		{
			name: "a goroutine that returned",
			start: func(ids chan<- string) func() {
				done := make(chan struct{})
				go func() { defer close(done); ids <- katatest.GoroutineID() }()
				return func() { <-done }
			},
			want: true,
		},
		{
			name: "a goroutine blocked on a channel",
			start: func(ids chan<- string) func() {
				release := make(chan struct{})
				go func() { ids <- katatest.GoroutineID(); <-release }()
				return func() { close(release) }
			},
			want: true,
		},
		{
			name: "a goroutine blocked on a mutex",
			start: func(ids chan<- string) func() {
				var mu sync.Mutex
				mu.Lock()
				done := make(chan struct{})
				go func() { defer close(done); ids <- katatest.GoroutineID(); mu.Lock(); defer mu.Unlock() }()
				return func() { mu.Unlock(); <-done }
			},
			want: true,
		},
		{
			// The sleep is waited out: the goroutine then waits on a channel.
			name: "a goroutine that sleeps, then waits",
			start: func(ids chan<- string) func() {
				release := make(chan struct{})
				go func() { ids <- katatest.GoroutineID(); time.Sleep(20 * time.Millisecond); <-release }()
				return func() { close(release) }
			},
			want: true,
		},
		{
			name: "a goroutine that keeps running",
			start: func(ids chan<- string) func() {
				var stop atomic.Bool
				var wg sync.WaitGroup
				wg.Go(func() {
					ids <- katatest.GoroutineID()
					for !stop.Load() {
					}
				})
				return func() { stop.Store(true); wg.Wait() }
			},
			want: false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

			ids := make(chan string)
			end := tt.start(ids)
			id := <-ids
			got := katatest.WaitParkedWithin(time.Second, id)
			end()
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestParkedStates sorts the states a dump prints into "waits for another
// goroutine" and "goes on by itself".
func TestParkedStates(t *testing.T) {
	for state, want := range map[string]bool{
		"chan receive":            true,
		"chan send (nil chan)":    true,
		"select":                  true,
		"select (no cases)":       true,
		"sync.Mutex.Lock":         true,
		"sync.RWMutex.RLock":      true,
		"sync.WaitGroup.Wait":     true,
		"sync.Cond.Wait":          true,
		"semacquire":              true,
		"IO wait":                 true,
		"running":                 false,
		"runnable":                false,
		"sleep":                   false,
		"syscall":                 false,
		"preempted":               false,
		"GC assist wait":          false,
		"wait for GC cycle":       false,
		"runnable, locked thread": false,
	} {
		assert.Equal(t, want, katatest.IsParked(state), state)
	}
}

// TestWaitsIn names the innermost function outside the runtime and sync.
func TestWaitsIn(t *testing.T) {
	g := katatest.Goroutine{ID: "7", State: "sync.Mutex.Lock", Stack: `internal/sync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)
	/usr/local/go/src/runtime/sema.go:95 +0x25
internal/sync.(*Mutex).lockSlow(0xc000012345)
	/usr/local/go/src/internal/sync/mutex.go:149 +0x15d
sync.(*Mutex).Lock(...)
	/usr/local/go/src/sync/mutex.go:46
github.com/gokatas/concurrency/katas/04-mutex-defer.(*Ledger).Transfer(0xc0000a6000, {0x6ab1c0, 0xc0000b2000})
	/work/katas/04-mutex-defer/ledger.go:61 +0x6d
created by github.com/gokatas/concurrency/internal/katatest.start in goroutine 6
	/work/internal/katatest/call.go:60 +0x10b`}
	assert.Equal(t, "(*Ledger).Transfer", katatest.WaitsIn(g))
}
