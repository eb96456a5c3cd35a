package katatest

import (
	"runtime"
	"strings"
	"time"
)

// GoroutineID returns the calling goroutine's number as goroutine dumps
// print it (the N of "goroutine N [running]:"). Kata fakes record it when the
// code under test calls them, so a test can later ask whether the goroutine
// that made the call has finished, without the code under test doing
// anything that would order it with the test.
func GoroutineID() string {
	buf := make([]byte, 64)
	n := runtime.Stack(buf, false)
	rest, _ := strings.CutPrefix(string(buf[:n]), "goroutine ")
	id, _, _ := strings.Cut(rest, " ")
	return id
}

// WaitStopped waits, for up to d, until none of the goroutines named by ids
// is still running: each has returned, or is blocked (on a channel, a lock,
// a WaitGroup, a sleep, I/O...). It reports whether they all stopped in time.
//
// It watches goroutine dumps, which synchronise with nothing: waiting for a
// goroutine to stop this way does not order what it did before the
// caller's next step, so the race detector still sees an unsynchronised
// access as a race.
func WaitStopped(d time.Duration, ids ...string) bool {
	deadline := time.Now().Add(d)
	for {
		if allStopped(ids) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// allStopped reports whether every goroutine in ids is gone from a fresh
// dump or in a state that waits for something.
func allStopped(ids []string) bool {
	states := map[string]string{}
	for _, g := range Goroutines() {
		states[g.ID] = g.State
	}
	for _, id := range ids {
		if state, alive := states[id]; alive && stillRunning(state) {
			return false
		}
	}
	return true
}

// stillRunning reports whether a dump state means the goroutine is on a CPU
// or about to be: running, runnable, in a system call, or between the two.
// Every other state is a wait ("chan send", "select", "sync.Mutex.Lock",
// "sleep", "IO wait"...).
func stillRunning(state string) bool {
	for _, s := range []string{"running", "runnable", "syscall", "copystack", "preempted"} {
		if state == s || strings.HasPrefix(state, s+",") || strings.HasPrefix(state, s+" ") {
			return true
		}
	}
	return false
}
