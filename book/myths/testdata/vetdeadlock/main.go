// Command vetdeadlock deadlocks on purpose: go vet accepts it, the runtime does not.
package main

import "fmt"

func main() {
	results := make(chan int)
	results <- 42 // no receiver yet: blocks forever
	fmt.Println(<-results)
}
