// Package bubbleleak leaves a goroutine in a synctest bubble, for the diagnosis fixtures.
package bubbleleak

// Start starts a worker that waits for jobs on a channel nobody closes.
func Start(jobs chan int) {
	go func() {
		for range jobs {
		}
	}()
}
