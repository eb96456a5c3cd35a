package katatest

import (
	"testing"
	"time"
)

// GoroutineID returns the calling goroutine's number as goroutine dumps
// print it (the N of "goroutine N [running]:"); it is Current().ID. A kata
// fake records it when the code under test calls it, so that the test can
// later ask (WaitParked) whether the goroutine that made the call has got
// as far as it can, without the code under test doing anything that would
// order it with the test.
func GoroutineID() string { return Current().ID }

// settleDumps is in how many goroutine dumps in a row, with a sleep between
// two, WaitIdle and WaitParked must see the goroutines waiting: the sleep
// gives the runtime a turn to deliver what the network or an expired timer
// has already made ready.
const settleDumps = 2

// WaitIdle waits until every goroutine of the process other than the caller
// waits for another goroutine (or the network): on a channel, a select, a
// lock, a WaitGroup or a condition variable. Then the code under test has
// done everything it can do without the test's help, and nothing it does
// can run concurrently with what the test does next.
//
// It is the real-goroutine counterpart of synctest.Wait, with one difference
// that matters for race tests: reading goroutine dumps synchronises with
// nothing, so WaitIdle orders no memory access and hides no data race. A
// goroutine that sleeps counts as busy, so a time.Sleep in the code under
// test is waited out, never mistaken for a wait on the test. A goroutine
// parked in a select with a timer case counts as waiting: a dump cannot tell
// a timer from a channel.
//
// WaitIdle fails the test with a DeadlockMarker message, and gives false,
// when some goroutine is still busy after SpinTimeout: it spins.
func WaitIdle(t testing.TB, what string) bool {
	t.Helper()
	return waitIdle(t, what, SpinTimeout)
}

// waitIdle is WaitIdle with a bound of limit.
func waitIdle(t testing.TB, what string, limit time.Duration) bool {
	t.Helper()
	self := GoroutineID()
	if settle(limit, func(gs []Goroutine) bool { return idle(gs, self) }) {
		return true
	}
	t.Errorf("%s %s: some goroutine is still running after %v: it spins, or sleeps in a loop", DeadlockMarker, what, limit)
	return false
}

// WaitParked waits until each goroutine numbered in ids (see GoroutineID)
// has ended or waits for another goroutine, as Call.Parked tells. It does
// not fail the test, so a fake may call it from a goroutine of the code
// under test: it reports false when one of them is still running after
// SpinTimeout. Like WaitIdle, it synchronises with none of them, and waits
// out a sleep.
func WaitParked(ids ...string) bool { return waitParked(SpinTimeout, ids...) }

// waitParked is WaitParked with a bound of limit.
func waitParked(limit time.Duration, ids ...string) bool {
	return settle(limit, func(gs []Goroutine) bool {
		for _, id := range ids {
			if g, alive := find(gs, id); alive && !parkedG(g) {
				return false
			}
		}
		return true
	})
}

// settle takes goroutine dumps until ok holds in settleDumps of them in a
// row, and reports true; or false, once limit has passed.
func settle(limit time.Duration, ok func([]Goroutine) bool) bool {
	deadline := time.Now().Add(limit)
	var held streak
	for pause := firstPause; ; pause = nextPause(pause) {
		held.see(ok(Goroutines()))
		if held.lasted(settleDumps, 0) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(pause)
	}
}

// streak counts the dumps in a row in which a state held, and since when.
type streak struct {
	n     int
	since time.Time
}

// see records whether the state held in the latest dump.
func (s *streak) see(held bool) {
	if !held {
		s.n = 0
		return
	}
	if s.n == 0 {
		s.since = time.Now()
	}
	s.n++
}

// lasted reports whether the state has held in the last n dumps, over at
// least d.
func (s *streak) lasted(n int, d time.Duration) bool {
	return s.n >= n && time.Since(s.since) >= d
}

// The pauses between two dumps start short, so that a call that returns at
// once is seen at once, and double up to a millisecond, so that a long wait
// does not stop the world too often.
const firstPause = 50 * time.Microsecond

func nextPause(p time.Duration) time.Duration { return min(2*p, time.Millisecond) }
