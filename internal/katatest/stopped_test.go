package katatest_test

import (
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gokatas/concurrency/internal/katatest"
)

func TestGoroutineID(t *testing.T) {
	id := katatest.GoroutineID()
	_, err := strconv.Atoi(id)
	require.NoError(t, err, "id %q", id)

	other := make(chan string)
	go func() { other <- katatest.GoroutineID() }()
	assert.NotEqual(t, id, <-other, "two goroutines, two ids")
}

func TestWaitStopped(t *testing.T) {
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
				go func() { ids <- katatest.GoroutineID(); mu.Lock(); mu.Unlock() }()
				return mu.Unlock
			},
			want: true,
		},
		{
			name: "a goroutine that keeps running",
			start: func(ids chan<- string) func() {
				var stop sync.WaitGroup
				stop.Add(1)
				quit := make(chan struct{})
				go func() {
					defer stop.Done()
					ids <- katatest.GoroutineID()
					for {
						select {
						case <-quit:
							return
						default:
						}
					}
				}()
				return func() { close(quit); stop.Wait() }
			},
			want: false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids := make(chan string)
			end := tt.start(ids)
			id := <-ids
			got := katatest.WaitStopped(50*time.Millisecond, id)
			end()
			assert.Equal(t, tt.want, got)
		})
	}
}
