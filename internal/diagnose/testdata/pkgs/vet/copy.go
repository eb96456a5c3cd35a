// Package vet has go vet findings, for the diagnosis fixtures.
package vet

import "sync"

// Counter holds a mutex.
type Counter struct {
	mu sync.Mutex
	n  int
}

// Value copies the lock.
func (c Counter) Value() int { return c.n }

// Run adds from inside the goroutine.
func Run(f func()) {
	var wg sync.WaitGroup
	go func() {
		wg.Add(1)
		defer wg.Done()
		f()
	}()
	wg.Wait()
}
