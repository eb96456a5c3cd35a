package katatest

import (
	"fmt"
	"testing"
	"time"
)

// A guard reports a call as blocked for good only once the dumps have shown
// every other goroutine waiting in stuckDumps dumps in a row, spanning at
// least stuckFor, with a sleep of the guard's own between two dumps. A
// correct program is never in that state (each dump is one consistent
// moment, taken with the world stopped); the repeat lets the runtime deliver
// what the network or an expired timer has already made ready.
const (
	stuckDumps = 3
	stuckFor   = 20 * time.Millisecond
)

// Call is one call of the code under test, running on a goroutine of its
// own: see Go, GoUnordered, Completes and Within.
type Call struct {
	what    string
	id      string          // the goroutine's number; "" when Returns waits for a bare channel
	done    <-chan struct{} // closed when the call returns; nil for an unordered call
	started time.Time       // the spin bound counts from here, however late Wait is called
	limit   time.Duration   // SpinTimeout; shorter only in katatest's own tests
}

// Go starts fn on a new goroutine and returns at once; Wait waits for it.
// Everything fn did happens before a Wait that gives true. what names the
// call in failure messages ("Transfer bob -> alice").
func Go(what string, fn func()) *Call { return start(what, fn, true) }

// GoUnordered is Go for a race test: Wait sees fn's goroutine end in a
// goroutine dump, which synchronises with nothing, so nothing fn did is
// ordered before what the test does next. Only the code under test may
// order it, and the race detector checks that it does. Have fn send its
// results on a buffered channel and read them after Wait.
func GoUnordered(what string, fn func()) *Call { return start(what, fn, false) }

func start(what string, fn func(), ordered bool) *Call {
	c := &Call{what: what, started: time.Now(), limit: SpinTimeout}
	var done chan struct{}
	if ordered {
		done = make(chan struct{})
		c.done = done
	}
	ids := make(chan string, 1)
	go func() {
		ids <- GoroutineID() // before fn: orders nothing fn does
		if done != nil {
			defer close(done)
		}
		fn()
	}()
	c.id = <-ids
	return c
}

// ID returns the number of the call's goroutine, as GoroutineID gives it on
// that goroutine: a fake that the call reaches can tell it from another
// call's.
func (c *Call) ID() string { return c.id }

// Completes runs fn on a new goroutine and waits for it to return, failing
// the test as Call.Wait does. It is the guard for every call that may block
// on locks and channels.
func Completes(t testing.TB, what string, fn func()) bool {
	t.Helper()
	return Go(what, fn).Wait(t)
}

// Wait waits for the call to return and reports whether it did. It fails the
// test with a DeadlockMarker message, and gives false, as soon as the call
// can never return: it has not returned, and every other goroutine of the
// process (but the one calling Wait) waits for another goroutine, so nothing
// is left to wake it (a lock cycle, a mutex its holder never unlocks, a
// receive nobody will send to). That needs no clock, so a loaded machine
// never makes a correct call look stuck. A call that keeps running without
// returning fails after SpinTimeout. The stuck goroutine is left where it
// is, for the test's leak check to report with the stack that shows where
// it waits.
//
// While Wait waits, the test cannot act: a call that needs the test to
// release something is reported stuck. A goroutine parked on a timer (a
// select with time.After, a context's deadline) counts as waiting for good;
// guard such calls with Within.
func (c *Call) Wait(t testing.TB) bool {
	t.Helper()
	self := GoroutineID()
	var stuck streak
	for pause := firstPause; ; pause = nextPause(pause) {
		if c.closed() {
			return true
		}
		gs := Goroutines()
		me, alive := find(gs, c.id)
		if c.done == nil && !alive {
			return true // an unordered call's goroutine has ended
		}
		stuck.see(idle(gs, self))
		if stuck.lasted(stuckDumps, stuckFor) && !c.closed() {
			t.Errorf("%s %s", DeadlockMarker, c.neverReturns(me, alive))
			return false
		}
		if time.Since(c.started) > c.limit && !c.closed() {
			t.Errorf("%s %s", DeadlockMarker, c.keepsRunning(me, alive))
			return false
		}
		time.Sleep(pause)
	}
}

// neverReturns says why the call can never return; me is its goroutine, if
// a dump still shows it.
func (c *Call) neverReturns(me Goroutine, alive bool) string {
	if !alive {
		return fmt.Sprintf("%s never happens: every goroutine is waiting for another, so nothing is left to make it happen", c.what)
	}
	return fmt.Sprintf("%s never returns: it waits in %s in %s, and every other goroutine is waiting too, so nothing can wake it",
		c.what, me.State, waitsIn(me))
}

// keepsRunning says why the call has run out of SpinTimeout; me is its
// goroutine, if a dump still shows it.
func (c *Call) keepsRunning(me Goroutine, alive bool) string {
	if alive && parkedG(me) {
		return fmt.Sprintf("%s did not return within %v: it waits in %s in %s while some other goroutine keeps running (it spins, or sleeps in a loop)",
			c.what, c.limit, me.State, waitsIn(me))
	}
	return fmt.Sprintf("%s did not return within %v and is still running: it spins, or sleeps in a loop", c.what, c.limit)
}

// Returned reports whether the call has returned. For a call started with
// Go, whatever fn wrote is safe to read once it reports true.
func (c *Call) Returned() bool {
	if c.done == nil {
		_, alive := find(Goroutines(), c.id)
		return !alive
	}
	return c.closed()
}

// closed reports whether an ordered call has returned.
func (c *Call) closed() bool { return c.done != nil && isClosed(c.done) }

// isClosed reports, without waiting, whether ch is closed.
func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// Parked reports whether the call has returned or waits for another
// goroutine (on a lock, a channel, a select, a WaitGroup, a sync.Cond): it
// has got as far as it can by itself. A fake dependency polls it to hold a
// call until another one has got that far. Parked synchronises with nothing.
func (c *Call) Parked() bool {
	me, alive := find(Goroutines(), c.id)
	return !alive || parkedG(me)
}

// WaitParked waits until the call has returned or is parked (see Parked),
// as the package's WaitParked does, and tells which: returned is true when
// a goroutine dump no longer shows the call's goroutine. ok is false when
// the call was still running after SpinTimeout. Unlike Returned, it
// synchronises with nothing, not even for a call started with Go, and it
// fails no test: a fake may call it on a goroutine of the code under test,
// and let other goroutines go on without ordering them after the call.
func (c *Call) WaitParked() (returned, ok bool) {
	ok = WaitParked(c.id)
	_, alive := find(Goroutines(), c.id)
	return !alive, ok
}

// Returns waits until done is closed: an event the test expects, such as a
// fake's "first event handled" channel. It fails the test with a
// DeadlockMarker message, and gives false, as soon as done can never be
// closed: every goroutine but the caller waits for another one, so nothing
// is left to close it. Like Call.Wait, it needs no clock, and gives up on
// goroutines that keep running after SpinTimeout.
func Returns(t testing.TB, what string, done <-chan struct{}) bool {
	t.Helper()
	c := &Call{what: what, done: done, started: time.Now(), limit: SpinTimeout}
	return c.Wait(t)
}

// Start runs fn on a new goroutine and returns a channel closed when fn
// returns.
//
// Deprecated: use Go, whose Call waits (Call.Wait), tells whether the call
// has returned (Call.Returned) and names the call in failure messages.
func Start(fn func()) <-chan struct{} { return Go("the call", fn).done }

// Within runs fn on a new goroutine and waits up to d for it to return. It
// is the guard for code that waits on timers or the network, where a dump
// cannot tell a timer that will fire from a wake-up that will never come;
// guard every other call with Completes. If fn has not returned at d and its
// goroutine waits (on a lock, a channel, a timer, a sleep, I/O), the test
// fails with a DeadlockMarker message naming what, and Within gives false. A
// call that is still running or runnable at d (on a saturated machine it
// may only be waiting for a CPU) gets d more, again and again, up to
// SpinTimeout in all. The stuck goroutine is left where it is: the test's
// leak check then reports it, with the stack showing where it is blocked.
func Within(t testing.TB, d time.Duration, what string, fn func()) bool {
	t.Helper()
	c := Go(what, fn)
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case <-c.done:
			return true
		case <-timer.C:
		}
		if me, alive := find(Goroutines(), c.id); alive && onCPU(me.State) && time.Since(c.started) < c.limit {
			timer.Reset(d)
			continue
		}
		if c.closed() { // it returned while we looked
			return true
		}
		t.Errorf("%s %s did not return within %v: it is blocked for good", DeadlockMarker, what, d)
		return false
	}
}
