package katatest

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// SpinLimit is how long one goroutine of a synctest bubble may stay running
// or runnable, never blocking, before SynctestNoSpin reports it as spinning.
// Code under test that blocks between events needs microseconds of it, even
// on a saturated machine; a loop that never blocks keeps running however
// long it is given, so the limit decides only how soon a spin is reported.
const SpinLimit = time.Second

// spinSample is how often SynctestNoSpin looks at the bubble's goroutines.
const spinSample = 10 * time.Millisecond

// SynctestNoSpin runs f like Synctest, and guards it against code that
// spins: a loop that never blocks (a select with a default case, a poll loop
// with runtime.Gosched) keeps the bubble from ever being idle, so its fake
// clock never advances and synctest.Wait never returns, and the test would
// hang until go test's -timeout.
//
// A watcher outside the bubble looks at the bubble's goroutines every few
// milliseconds. When the same goroutine has been running or runnable in
// every look for SpinLimit, the watcher fails the test with a
// DeadlockMarker message and that goroutine's stack, and ends the test
// binary with exit status 1: nothing outside a bubble can stop a goroutine
// inside it, and the tests after this one could not run in a bubble that
// never ends. Put such a test last in its file, or give it a process of its
// own (InOwnProcess).
func SynctestNoSpin(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	stop := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		if g, ok := watchSpin(stop); ok {
			msg := fmt.Sprintf("%s a goroutine of the synctest bubble has been running for %v without ever blocking: it spins (a loop around a select with a default case, or a poll that never waits), so the bubble's clock never moves and the test can never end\n\ngoroutine %s [%s]:\n%s",
				DeadlockMarker, SpinLimit, g.ID, g.State, g.Stack)
			t.Error(msg)
			if !testing.Verbose() {
				// Without -v, go test prints a test's messages when it
				// ends, and this one never will.
				fmt.Fprintf(os.Stderr, "--- FAIL: %s\n    %s\n", t.Name(), strings.ReplaceAll(msg, "\n", "\n    "))
			}
			os.Exit(1)
		}
	}()
	defer func() {
		close(stop)
		<-stopped
	}()
	Synctest(t, f)
}

// watchSpin looks at the goroutines of every synctest bubble until stop is
// closed, and returns the first one seen running or runnable in every look
// for SpinLimit.
func watchSpin(stop <-chan struct{}) (Goroutine, bool) {
	tick := time.NewTicker(spinSample)
	defer tick.Stop()
	var busy Goroutine // the goroutine being timed; ID "" for none
	var since time.Time
	for {
		select {
		case <-stop:
			return Goroutine{}, false
		case <-tick.C:
		}
		g, still := spinning(Goroutines(), busy.ID)
		switch {
		case g.ID == "":
			busy = Goroutine{}
		case !still:
			busy, since = g, time.Now()
		case time.Since(since) >= SpinLimit:
			return g, true
		default:
			busy = g
		}
	}
}

// spinning picks, from a dump, a bubble goroutine that is running or
// runnable: the one with ID id if it still is (still reports that), or else
// the first one. It returns a zero Goroutine when none is.
func spinning(gs []Goroutine, id string) (g Goroutine, still bool) {
	var first Goroutine
	for _, g := range gs {
		if g.Bubble == "" || !busy(g) {
			continue
		}
		if g.ID == id {
			return g, true
		}
		if first.ID == "" {
			first = g
		}
	}
	return first, false
}

// busy reports whether g is running, or waits only for a CPU or for the
// runtime's own work: a GC assist, a stack scan, a preemption, or the
// semaphore that starting a garbage collection takes while another
// goroutine (the watcher's own dump, say) has stopped the world. A loop
// that allocates passes through those waits; they do not make it blocked.
// A semacquire of a sync primitive shows a sync frame on top and is a real
// wait.
func busy(g Goroutine) bool {
	switch g.State {
	case "running", "runnable", "GC assist wait", "GC assist marking", "garbage collection scan", "preempted":
		return true
	case "semacquire":
		top, _, _ := strings.Cut(g.Stack, "\n")
		return !strings.HasPrefix(top, "sync.") && !strings.HasPrefix(top, "internal/sync.")
	}
	return false
}
