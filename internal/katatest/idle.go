package katatest

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// SpinTimeout bounds how long WaitIdle and Returns wait for goroutines that
// keep running: a goroutine that spins, sleeps in a loop or never blocks. Code
// that blocks for good is reported at once, without this wait; a correct
// call uses microseconds of this bound even on a saturated machine.
const SpinTimeout = 5 * time.Second

// blockedStates are the wait reasons (as a goroutine dump prints them) of a
// goroutine that cannot run again until another goroutine, or the network,
// wakes it. Anything else (running, runnable, a system call, a sleep) counts
// as still making progress by itself.
func blockedStates() []string {
	return []string{
		"chan receive", "chan send", "select", "sync.", "semacquire", "IO wait",
		"finalizer wait", "cleanup wait", "force gc (idle)", "GC sweep wait", "GC scavenge wait",
	}
}

// isBlocked reports whether a goroutine in state waits for someone else.
func isBlocked(state string) bool {
	for _, s := range blockedStates() {
		if strings.HasPrefix(state, s) {
			return true
		}
	}
	return false
}

// selfID returns the ID of the calling goroutine, as a dump prints it.
func selfID() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	id, _, _ := strings.Cut(strings.TrimPrefix(string(buf), "goroutine "), " ")
	return id
}

// idle reports whether every goroutine of the process but the one with ID
// self is blocked.
func idle(self string) bool {
	for _, g := range Goroutines() {
		if g.ID != self && !isBlocked(g.State) {
			return false
		}
	}
	return true
}

// WaitIdle waits until every goroutine of the process other than the caller
// is blocked: on a channel, a select, a lock, a WaitGroup, a condition
// variable or the network. Then the code under test has done everything it
// can do without the test's help, and nothing it does can run concurrently
// with what the test does next.
//
// It is the real-goroutine counterpart of synctest.Wait, with one difference
// that matters for race tests: reading goroutine dumps synchronises with
// nothing, so WaitIdle orders no memory access and hides no data race. A
// goroutine that sleeps counts as busy, so a time.Sleep in the code under test
// is waited out, never mistaken for a wait on the test. A goroutine parked in
// a select with a timer case counts as blocked: WaitIdle cannot tell a timer
// from a channel.
//
// WaitIdle fails the test with a DeadlockMarker message, and returns false,
// when some goroutine is still busy after SpinTimeout: it spins.
func WaitIdle(t testing.TB, what string) bool {
	t.Helper()
	self := selfID()
	deadline := time.Now().Add(SpinTimeout)
	for pause := 50 * time.Microsecond; ; pause = min(2*pause, time.Millisecond) {
		if idle(self) {
			return true
		}
		if time.Now().After(deadline) {
			t.Errorf("%s %s: some goroutine is still running after %v: it spins, or sleeps in a loop", DeadlockMarker, what, SpinTimeout)
			return false
		}
		time.Sleep(pause)
	}
}

// Start runs fn on a new goroutine and returns a channel that is closed when
// fn returns. Pair it with Returns.
func Start(fn func()) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	return done
}

// Returns waits until done is closed: the call started with Start has
// returned. It fails the test with a DeadlockMarker message, and returns
// false, as soon as the call can no longer return: done is still open and
// every other goroutine of the process is blocked, so nothing is left to
// wake the call (a lock cycle, a mutex locked twice by its holder, a
// receive nobody will send to). That needs no clock, so a loaded machine
// never makes a correct call look stuck, and a stuck one is reported at once.
// A call that keeps running fails it after SpinTimeout.
//
// The stuck goroutine is left where it is, for the test's leak check to
// report with the stack that shows where it waits. Like WaitIdle, Returns
// takes a goroutine parked on a timer for blocked for good.
func Returns(t testing.TB, what string, done <-chan struct{}) bool {
	t.Helper()
	self := selfID()
	deadline := time.Now().Add(SpinTimeout)
	for pause := 50 * time.Microsecond; ; pause = min(2*pause, time.Millisecond) {
		select {
		case <-done:
			return true
		default:
		}
		if idle(self) {
			select {
			case <-done: // it returned between the two looks
				return true
			default:
			}
			t.Errorf("%s %s never returns: it is blocked for good, and every other goroutine is waiting too, so nothing can wake it", DeadlockMarker, what)
			return false
		}
		if time.Now().After(deadline) {
			t.Errorf("%s %s did not return within %v and is still running: it spins, or sleeps in a loop", DeadlockMarker, what, SpinTimeout)
			return false
		}
		time.Sleep(pause)
	}
}

// Completes runs fn on a new goroutine and waits, like Returns, until it
// returns or can no longer return. It is Within without a clock, for calls
// that block on locks and channels only.
func Completes(t testing.TB, what string, fn func()) bool {
	t.Helper()
	return Returns(t, what, Start(fn))
}
