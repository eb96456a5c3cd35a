package katatest

import (
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

// WatchLimit is how long a watched call may run without returning and
// without being seen stuck before it counts as blocked for good anyway (an
// endless loop, a wait on something the dump does not show). It leaves a
// saturated machine all the room it needs: a call that is stuck on a lock or a
// channel is reported long before, as soon as the dump shows it.
const WatchLimit = 10 * time.Second

// stuckFor is how long, and stuckDumps how many dumps in a row, the stuck
// state must last before a watched call is reported: a correct program is
// never in that state at all (see Watch), so this only absorbs the moment a
// dump is taken.
const (
	stuckFor   = 20 * time.Millisecond
	stuckDumps = 3
)

// Watch guards calls into the code under test without a wall-clock bound a
// loaded machine could miss. A call fails its test with a DeadlockMarker
// message as soon as a goroutine dump shows it stuck: its goroutine is
// parked (on a mutex, a read or write lock, a channel, a select, a
// sync.Cond) inside the package under test, and so is every other goroutine
// with a frame in that package, so none of them can wake it. A correct
// program never looks like that, however slow the machine: whoever holds a
// lock is running, runnable or doing something outside the list (a sleep, a
// system call), and a goroutine that is handed the lock is runnable before
// the holder leaves the package. The dump is taken with the world stopped,
// so it is one consistent moment.
//
// The test must therefore not hold the code under test's goroutines in a
// channel wait of its own while a watched call waits for them; a test gate
// that must hold a call should poll (time.Sleep between looks), which counts
// as alive.
type Watch struct {
	pkg string
	// Limit bounds a call that never returns and is never seen stuck;
	// WatchLimit unless set.
	Limit time.Duration
}

// WatchPackageOf returns a Watch for the package that defines fn, a
// function of the code under test (for instance its constructor).
func WatchPackageOf(fn any) *Watch {
	name := runtime.FuncForPC(reflect.ValueOf(fn).Pointer()).Name()
	slash := strings.LastIndex(name, "/")
	dot := strings.Index(name[slash+1:], ".")
	return &Watch{pkg: name[:slash+1+dot], Limit: WatchLimit}
}

// Call is one watched call of the code under test, running on its own
// goroutine.
type Call struct {
	w       *Watch
	what    string
	id      string        // the goroutine's number in a dump
	done    chan struct{} // closed when fn returns; nil for an unordered call
	started time.Time     // the Limit counts from here, however late Wait is called
}

// Returns runs fn on a new goroutine and waits for it to return. If the call
// is seen stuck, or runs past the Watch's Limit, the test fails with a
// DeadlockMarker message naming what, and Returns gives false; the stuck
// goroutine is left where it is for the test's leak check to report. When it
// gives true, everything fn did happens before Returns returns.
func (w *Watch) Returns(t testing.TB, what string, fn func()) bool {
	t.Helper()
	return w.Go(what, fn).Wait(t)
}

// Go starts fn on a new goroutine and returns at once; Wait waits for it.
// Everything fn did happens before a Wait that gives true.
func (w *Watch) Go(what string, fn func()) *Call {
	return w.start(what, fn, true)
}

// GoUnordered is Go for a race test: Wait sees fn's goroutine end in a
// goroutine dump, which synchronises with nothing, so nothing fn did is
// ordered before what the test does next. Only the code under test may
// order it; the race detector checks that it does. The test reads fn's
// results afterwards through a channel.
func (w *Watch) GoUnordered(what string, fn func()) *Call {
	return w.start(what, fn, false)
}

func (w *Watch) start(what string, fn func(), ordered bool) *Call {
	c := &Call{w: w, what: what, started: time.Now()}
	if ordered {
		c.done = make(chan struct{})
	}
	ids := make(chan string, 1)
	go func() {
		ids <- currentID() // before fn: orders nothing fn does
		if c.done != nil {
			defer close(c.done)
		}
		fn()
	}()
	c.id = <-ids
	return c
}

// Wait waits for the call to return. It fails the test with a
// DeadlockMarker message and gives false when the call is seen stuck (see
// Watch) or has run past the Watch's Limit since Go started it.
func (c *Call) Wait(t testing.TB) bool {
	t.Helper()
	var stuckSince time.Time
	stuckSeen := 0
	pause := 50 * time.Microsecond
	for {
		if c.done != nil {
			select {
			case <-c.done:
				return true
			default:
			}
		}
		gs := Goroutines()
		me, alive := find(gs, c.id)
		switch {
		case !alive && c.done == nil:
			return true
		case !alive:
			// fn returned and the goroutine is closing done: loop once more.
		case c.w.stuck(me, gs):
			if stuckSeen == 0 {
				stuckSince = time.Now()
			}
			stuckSeen++
			if stuckSeen >= stuckDumps && time.Since(stuckSince) >= stuckFor {
				t.Errorf("%s %s can never return: it waits in %s in %s, and no goroutine that could wake it is running",
					DeadlockMarker, c.what, me.State, c.w.frame(me))
				return false
			}
		default:
			stuckSeen = 0
		}
		if time.Since(c.started) > c.w.Limit {
			t.Errorf("%s %s did not return within %v: it is blocked for good", DeadlockMarker, c.what, c.w.Limit)
			return false
		}
		time.Sleep(pause)
		pause = min(2*pause, 5*time.Millisecond)
	}
}

// Parked reports whether the call has returned, or is parked (on a lock, a
// channel, a select, a sync.Cond) inside the package under test. A test gate
// polls it to let a call that holds a lock go on only once a second caller
// has got as far as it can. Parked synchronises with nothing.
func (c *Call) Parked() bool {
	me, alive := find(Goroutines(), c.id)
	return !alive || (parked(me.State) && c.w.inPackage(me))
}

// stuck reports whether me is parked inside the package and no goroutine
// with a frame in the package can run.
func (w *Watch) stuck(me Goroutine, gs []Goroutine) bool {
	if !parked(me.State) || !w.inPackage(me) {
		return false
	}
	for _, g := range gs {
		if w.inPackage(g) && !parked(g.State) {
			return false
		}
	}
	return true
}

// parkedStates are the states (as a goroutine dump spells them) of a
// goroutine that only another goroutine can wake. A sleep, a timer or I/O
// wakes by itself and is not among them.
var parkedStates = []string{
	"sync.Mutex.Lock", "sync.RWMutex.Lock", "sync.RWMutex.RLock", "sync.Cond.Wait",
	"sync.WaitGroup.Wait", "semacquire", "chan send", "chan receive", "select",
}

// parked reports whether a dump's state is one of parkedStates; the state may
// carry a suffix such as ", 2 minutes".
func parked(state string) bool {
	for _, p := range parkedStates {
		if strings.HasPrefix(state, p) {
			return true
		}
	}
	return false
}

// inPackage reports whether a frame of g's stack (not its "created by" line)
// is a function of the watched package.
func (w *Watch) inPackage(g Goroutine) bool {
	for line := range strings.SplitSeq(g.Stack, "\n") {
		if strings.HasPrefix(line, w.pkg+".") {
			return true
		}
	}
	return false
}

// frame names g's innermost function of the watched package, for messages:
// "(*Ledger).Transfer".
func (w *Watch) frame(g Goroutine) string {
	for line := range strings.SplitSeq(g.Stack, "\n") {
		if fn, ok := strings.CutPrefix(line, w.pkg+"."); ok {
			if i := strings.LastIndex(fn, "("); i > 0 {
				fn = fn[:i]
			}
			return fn
		}
	}
	return w.pkg
}

// find returns the goroutine with the given number, if it is still alive.
func find(gs []Goroutine, id string) (Goroutine, bool) {
	for _, g := range gs {
		if g.ID == id {
			return g, true
		}
	}
	return Goroutine{}, false
}

// currentID returns the calling goroutine's number, as a dump spells it.
func currentID() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	id, _, _ := strings.Cut(strings.TrimPrefix(string(buf), "goroutine "), " ")
	return id
}
