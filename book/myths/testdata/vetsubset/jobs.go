// Package vetsubset has three bugs that `go test` compiles and runs happily:
// only `go vet` reports them.
package vetsubset

import (
	"context"
	"sync"
	"time"
)

// Counter is guarded by its mutex.
type Counter struct {
	mu sync.Mutex
	n  int
}

// Snapshot copies the counter, lock and all (copylocks).
func Snapshot(c Counter) int { return c.n }

// Deadline forgets to call cancel (lostcancel).
func Deadline(parent context.Context) context.Context {
	ctx, _ := context.WithTimeout(parent, time.Second)
	return ctx
}

// RunAll calls Add inside the goroutine it counts (waitgroup).
func RunAll(jobs []func()) {
	var wg sync.WaitGroup
	for _, job := range jobs {
		go func() {
			wg.Add(1)
			defer wg.Done()
			job()
		}()
	}
	wg.Wait()
}
