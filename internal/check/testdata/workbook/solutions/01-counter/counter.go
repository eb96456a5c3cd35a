// Package counter is a fixture kata for the runner's own tests.
package counter

import "sync"

// Count runs every job in its own goroutine, waits for all of them, and
// returns how many ran.
func Count(jobs []func()) int {
	var (
		mu sync.Mutex
		wg sync.WaitGroup
		n  int
	)
	for _, job := range jobs {
		wg.Go(func() {
			job()
			mu.Lock()
			n++
			mu.Unlock()
		})
	}
	wg.Wait()
	return n
}
