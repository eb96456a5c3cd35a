// Package leak leaks a goroutine for the diagnosis fixtures.
package leak

// First returns the first result and leaves the other senders blocked.
func First(queries []string) string {
	results := make(chan string)
	for _, q := range queries {
		go func() {
			results <- "result for " + q
		}()
	}
	return <-results
}
