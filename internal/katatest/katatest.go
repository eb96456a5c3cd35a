// Package katatest holds the deadlock guard shared by the kata tests, so that
// a call that blocks for good fails its test in about a second, with a
// message the runner recognises, instead of waiting for go test's timeout.
package katatest

import (
	"testing"
	"time"
)

// DeadlockMarker starts every deadlock-guard failure message; the runner's
// diagnosis looks for it.
const DeadlockMarker = "deadlock guard:"

// GuardTimeout is the default time a guarded call gets before it counts as
// blocked for good. Kata code under test finishes in milliseconds.
const GuardTimeout = time.Second

// Within runs fn on a new goroutine and waits up to d for it to return. If it
// does not, the test fails with a DeadlockMarker message naming what, and
// Within returns false. The stuck goroutine is left where it is: the test's
// goleak check then reports it, with the stack showing where it is blocked.
//
// A call that is still running or runnable when d is up (on a machine whose
// cores are saturated, it may simply not have had the CPU) gets d more, again
// and again, up to WatchLimit in all; a call that waits (on a lock, a
// channel, a sleep, I/O) fails at d. For calls into code that blocks on
// locks or channels, Watch needs no wall-clock bound at all.
func Within(t testing.TB, d time.Duration, what string, fn func()) bool {
	t.Helper()
	start := time.Now()
	done := make(chan struct{})
	ids := make(chan string, 1)
	go func() {
		ids <- currentID() // before fn: orders nothing fn does
		defer close(done)
		fn()
	}()
	id := <-ids
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case <-done:
			return true
		case <-timer.C:
		}
		if g, alive := find(Goroutines(), id); alive && onCPU(g.State) && time.Since(start) < WatchLimit {
			timer.Reset(d)
			continue
		}
		select {
		case <-done: // it returned while we looked
			return true
		default:
		}
		t.Errorf("%s %s did not return within %v: it is blocked for good", DeadlockMarker, what, d)
		return false
	}
}

// onCPU reports whether a dump's state is that of a goroutine that is
// running or waiting only for a CPU.
func onCPU(state string) bool {
	return state == "running" || state == "runnable"
}
