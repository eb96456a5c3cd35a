package katatest

import (
	"runtime"
	"strings"
)

// Goroutine is one entry of a dump of every goroutine's stack.
type Goroutine struct {
	// ID is the goroutine's number, e.g. "23".
	ID string
	// State is what it is doing: "running", "chan receive", "sync.WaitGroup.Wait", ...
	State string
	// Stack holds the frames, one function and one file:line each.
	Stack string
}

// Goroutines returns every goroutine of the process, parsed from
// runtime.Stack. Reading the dump synchronises with nothing, so tests may
// use it to wait for goroutines to park without hiding a data race. Entries
// look like
//
//	goroutine 23 [sync.WaitGroup.Wait]:
//	sync.runtime_SemacquireWaitGroup(...)
//	...
func Goroutines() []Goroutine {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var gs []Goroutine
	for block := range strings.SplitSeq(string(buf), "\n\n") {
		header, stack, _ := strings.Cut(block, "\n")
		rest, ok := strings.CutPrefix(header, "goroutine ")
		if !ok {
			continue
		}
		id, state, _ := strings.Cut(rest, " [")
		state, _, _ = strings.Cut(state, "]")
		gs = append(gs, Goroutine{ID: id, State: state, Stack: stack})
	}
	return gs
}
