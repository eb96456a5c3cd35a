package katatest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
)

// recordingTB is a testing.TB that keeps the failures it is given instead
// of failing the test, so that a test can check a helper's verdict. Only
// Helper and Errorf may be called on it.
type recordingTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recordingTB) failures() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errors...)
}

func TestWaitIdleWaitsOutSleepers(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	release := make(chan struct{})
	var parked atomic.Bool
	go func() {
		time.Sleep(20 * time.Millisecond) // busy, as far as WaitIdle is concerned
		parked.Store(true)
		<-release
	}()
	rec := &recordingTB{}
	assert.True(t, WaitIdle(rec, "a sleeper"))
	assert.True(t, parked.Load(), "WaitIdle returned while a goroutine was still sleeping")
	assert.Empty(t, rec.failures())
	close(release)
}

func TestReturns(t *testing.T) {
	tests := []struct {
		name    string
		call    func(release <-chan struct{})
		want    bool
		wantMsg string
	}{
		{
			name: "a call that returns",
			call: func(<-chan struct{}) { time.Sleep(time.Millisecond) },
			want: true,
		},
		{
			name: "a call that waits for a lock held by a parked goroutine",
			call: func(release <-chan struct{}) {
				var mu sync.Mutex
				mu.Lock()
				go func() {
					defer mu.Unlock()
					<-release
				}()
				mu.Lock()
				mu.Unlock()
			},
			wantMsg: DeadlockMarker + " the call never returns",
		},
		{
			name:    "a call that waits on a channel nobody else will touch",
			call:    func(release <-chan struct{}) { <-release },
			wantMsg: DeadlockMarker + " the call never returns",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

			release := make(chan struct{})
			rec := &recordingTB{}
			got := Completes(rec, "the call", func() { tt.call(release) })
			close(release) // let a stuck call end, for the leak check
			assert.Equal(t, tt.want, got)
			if tt.wantMsg == "" {
				assert.Empty(t, rec.failures())
			} else if assert.Len(t, rec.failures(), 1) {
				assert.Contains(t, rec.failures()[0], tt.wantMsg)
			}
		})
	}
}

func TestIsBlocked(t *testing.T) {
	defer goleak.VerifyNone(t)
	for state, want := range map[string]bool{
		"chan receive":               true,
		"chan send, 2 minutes":       true,
		"select":                     true,
		"sync.Mutex.Lock":            true,
		"sync.WaitGroup.Wait":        true,
		"IO wait":                    true,
		"running":                    false,
		"runnable":                   false,
		"sleep":                      false,
		"syscall, 3 minutes":         false,
		"runnable, locked to thread": false,
	} {
		assert.Equal(t, want, isBlocked(state), state)
	}
}
