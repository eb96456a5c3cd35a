package katatest

import (
	"runtime"
	"sync"
	"testing"
	"testing/synctest"

	"go.uber.org/goleak"
)

// BubbleCall is a call of the code under test running on a goroutine of its
// own inside a testing/synctest bubble, so that the test can look at what
// the code does before it returns.
type BubbleCall struct {
	done    chan struct{}
	started chan string // the call's goroutine id, sent once
	once    sync.Once
	id      string
	before  map[string]bool // the bubble's goroutines before the call
}

// StartInBubble runs fn on a new goroutine and returns at once. Call it
// from inside a bubble (see Synctest).
func StartInBubble(fn func()) *BubbleCall {
	c := &BubbleCall{done: make(chan struct{}), started: make(chan string, 1), before: map[string]bool{}}
	// The bubble already holds the test's goroutines (and those of
	// testing/synctest itself): none of them is the call's doing.
	for _, g := range InBubble() {
		c.before[g.ID] = true
	}
	go func() {
		defer close(c.done)
		c.started <- GoroutineID()
		fn()
	}()
	return c
}

// Done returns a channel closed when fn returns. Once it is closed,
// whatever fn wrote is safe to read.
func (c *BubbleCall) Done() <-chan struct{} { return c.done }

// Returned reports whether fn has returned. Once it reports true, whatever
// fn wrote is safe to read.
func (c *BubbleCall) Returned() bool { return isClosed(c.done) }

// Goroutines returns the goroutines the call has started, directly or
// not, that are still around: every goroutine of the caller's synctest
// bubble apart from the call's own goroutine and those already there when
// the call started. Bubble
// membership, not stack frames, tells them apart, so a goroutine started
// through sync.WaitGroup.Go, an errgroup-like helper, time.AfterFunc or
// context.AfterFunc counts even before it has run. Call it from the
// bubble's root goroutine, after synctest.Wait, with no other call running.
func (c *BubbleCall) Goroutines() []Goroutine {
	c.once.Do(func() { c.id = <-c.started })
	var gs []Goroutine
	for _, g := range InBubble() {
		if g.ID != c.id && !c.before[g.ID] {
			gs = append(gs, g)
		}
	}
	return gs
}

// Synctest runs f in a testing/synctest bubble (fake clock; synctest.Wait
// waits until every goroutine of the bubble is blocked), and fails the test
// with goleak's report if goroutines started in the bubble are still there
// when f returns. The check runs before f's cleanups, so a cleanup may
// release what the leftovers wait for and let the bubble end.
func Synctest(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
		f(t)
	})
}

// SetGOMAXPROCS sets GOMAXPROCS for the rest of the test, the way a
// container's CPU limit sets it, and restores the previous value
// afterwards. (runtime.SetDefaultGOMAXPROCS would not do as a restore: it
// ignores the GOMAXPROCS environment variable the test binary may run with.)
func SetGOMAXPROCS(t testing.TB, n int) {
	t.Helper()
	prev := runtime.GOMAXPROCS(n)
	t.Cleanup(func() { runtime.GOMAXPROCS(prev) })
}
