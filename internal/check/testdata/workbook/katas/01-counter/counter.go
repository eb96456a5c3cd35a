// Package counter is a fixture kata for the runner's own tests.
package counter

// Count runs every job in its own goroutine, waits for all of them, and
// returns how many ran. The bug: it waits for the first job only.
func Count(jobs []func()) int {
	n := 0
	done := make(chan struct{})
	for _, job := range jobs {
		go func() {
			job()
			n++
			done <- struct{}{}
		}()
	}
	<-done
	return n
}
