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
func Within(t testing.TB, d time.Duration, what string, fn func()) bool {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-done:
		return true
	case <-timer.C:
		t.Errorf("%s %s did not return within %v: it is blocked for good", DeadlockMarker, what, d)
		return false
	}
}
