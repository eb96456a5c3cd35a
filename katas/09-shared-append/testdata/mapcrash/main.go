// Command mapcrash counts hosts from several goroutines into one map, the
// way the crawler does, with a recover in every goroutine. Built without
// the race detector, it shows what production sees: the runtime notices
// the concurrent writes and ends the process with "fatal error: concurrent
// map writes", which is not a panic, so no recover runs.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync"
)

func main() {
	// Writers must really run at the same time for the runtime to catch
	// them in the act, so give them processors even where GOMAXPROCS is 1.
	runtime.GOMAXPROCS(max(4, runtime.GOMAXPROCS(0)))
	hosts := map[string]int{}
	names := []string{"go.dev", "pkg.go.dev", "github.com", "example.com"}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			defer func() {
				if r := recover(); r != nil {
					fmt.Println("recovered:", r) // never printed
				}
			}()
			for i := range 50_000_000 {
				hosts[names[(w+i)%len(names)]]++
			}
		})
	}
	wg.Wait()
	// The runtime's check is best effort: it catches writers in the act.
	fmt.Println("no crash this time")
	os.Exit(3)
}
