// Package race has a data race for the diagnosis fixtures.
package race

// Count adds n ones from n goroutines and waits for them, racing on total.
func Count(n int) int {
	total := 0
	done := make(chan bool)
	for range n {
		go func() {
			total++
			done <- true
		}()
	}
	for range n {
		<-done
	}
	return total
}
