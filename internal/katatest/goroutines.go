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
	// Bubble is the id of the testing/synctest bubble the goroutine belongs
	// to, or "" outside any bubble. A goroutine started from inside a bubble
	// belongs to it however it was started: a go statement,
	// sync.WaitGroup.Go, an errgroup-like helper, time.AfterFunc or
	// context.AfterFunc. So, unlike a frame of the code under test, bubble
	// membership shows a goroutine that has not run a single line yet.
	Bubble string
	// Durable reports that the goroutine is blocked inside its bubble in a
	// way only another goroutine of the bubble can end (a channel, a
	// select, a WaitGroup, a sleep on the bubble's fake clock...).
	Durable bool
}

// Goroutines returns every goroutine of the process, parsed from
// runtime.Stack. Reading the dump synchronises with nothing, so tests may
// use it to wait for goroutines to park without hiding a data race. Entries
// look like
//
//	goroutine 23 [sync.WaitGroup.Wait]:
//	sync.runtime_SemacquireWaitGroup(...)
//	...
//
// and, inside a synctest bubble,
//
//	goroutine 31 [chan receive (durable), synctest bubble 4]:
func Goroutines() []Goroutine { return parseDump(stackDump(true)) }

// Current returns the calling goroutine, as Goroutines would show it.
func Current() Goroutine {
	gs := parseDump(stackDump(false))
	if len(gs) == 0 {
		return Goroutine{}
	}
	return gs[0]
}

// InBubble returns the goroutines of the calling goroutine's synctest
// bubble, apart from the caller itself: everything the bubble has started
// and that has not ended. Outside a bubble it returns nil.
func InBubble() []Goroutine {
	self := Current()
	if self.Bubble == "" {
		return nil
	}
	var gs []Goroutine
	for _, g := range Goroutines() {
		if g.Bubble == self.Bubble && g.ID != self.ID {
			gs = append(gs, g)
		}
	}
	return gs
}

func stackDump(all bool) string {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, all)
		if n < len(buf) {
			return string(buf[:n])
		}
		buf = make([]byte, 2*len(buf))
	}
}

func parseDump(dump string) []Goroutine {
	var gs []Goroutine
	for block := range strings.SplitSeq(dump, "\n\n") {
		header, stack, _ := strings.Cut(block, "\n")
		rest, ok := strings.CutPrefix(header, "goroutine ")
		if !ok {
			continue
		}
		id, state, _ := strings.Cut(rest, " [")
		state, _, _ = strings.Cut(state, "]")
		g := Goroutine{ID: id, Stack: stack}
		// The header's status comes first, then attributes: ", 5 minutes",
		// ", locked to thread", ", synctest bubble 4" (runtime/traceback.go,
		// goroutineheader).
		status, attrs, _ := strings.Cut(state, ", ")
		g.State, g.Durable = strings.CutSuffix(status, " (durable)")
		for attr := range strings.SplitSeq(attrs, ", ") {
			if b, ok := strings.CutPrefix(attr, "synctest bubble "); ok {
				g.Bubble = b
			}
		}
		gs = append(gs, g)
	}
	return gs
}
