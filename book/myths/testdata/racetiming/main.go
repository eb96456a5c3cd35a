// Command racetiming writes a variable from two goroutines 20 ms apart. The
// writes never overlap in time, yet nothing orders them: it is a data race,
// and the race detector reports it every time.
package main

import (
	"fmt"
	"time"
)

func main() {
	var hits int
	go func() { hits++ }()            // first write, at once
	time.Sleep(20 * time.Millisecond) // long after it finished...
	hits++                            // ...second write: still unordered
	fmt.Println("hits:", hits)
}
