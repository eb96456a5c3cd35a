// Package bubbledeadlock blocks every goroutine of a synctest bubble, for the diagnosis fixtures.
package bubbledeadlock

// Exchange waits for a reply that never comes.
func Exchange(req chan int, reply chan int) int {
	req <- 1
	return <-reply
}
