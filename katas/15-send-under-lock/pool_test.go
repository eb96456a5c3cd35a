package health_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/katatest"
	health "github.com/gokatas/concurrency/katas/15-send-under-lock"
)

// Every call into the pool is guarded by katatest.Completes (or katatest.Go
// and Wait) instead of a clock: it fails the test with a "deadlock guard:"
// message as soon as the call waits (for a lock or a channel) and every
// other goroutine of the test binary waits too, so that nothing is left to
// wake it. A correct call is never in that state, however loaded the
// machine. The checks are paced by fake ticks that the test sends, and
// katatest.WaitIdle waits until every monitor has done what the ticks asked.

// The backends of every test.
const (
	web1 = "10.0.0.1:8080"
	web2 = "10.0.0.2:8080"
)

// errDown is what a failing backend's health check answers.
var errDown = errors.New("GET /healthz: 503 Service Unavailable")

// TestHealthy routes traffic by the last check of each backend.
func TestHealthy(t *testing.T) {
	tests := []struct {
		name   string
		rounds [][]string // the backends that fail, round after round of checks
		want   []string   // Healthy after the last round
	}{
		{name: "a new backend takes no traffic before its first check", want: nil},
		{name: "backends that pass their check take traffic", rounds: [][]string{{}}, want: []string{web1, web2}},
		{name: "a failing backend takes none", rounds: [][]string{{web2}}, want: []string{web1}},
		{name: "a backend that recovers takes traffic again", rounds: [][]string{{web1}, {}}, want: []string{web1, web2}},
		{name: "a backend that starts failing stops taking traffic", rounds: [][]string{{}, {web1, web2}}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

			checker, ticks := &fakeChecker{}, &fakeTicks{}
			p := health.New(checker, ticks.new)
			if !add(t, p, web1, web2) {
				return
			}
			for _, failing := range tt.rounds {
				checker.fail(failing...)
				ticks.tickAll()
				if !katatest.WaitIdle(t, "the round of checks") {
					return
				}
			}
			// The monitors recorded their results; only the pool's lock
			// orders that before this read (WaitIdle orders nothing), and
			// the race detector checks that it does.
			var got []string
			switch {
			case !katatest.Completes(t, "Healthy", func() { got = p.Healthy() }):
			case len(tt.want) == 0:
				assert.Empty(t, got, "backends taking traffic")
			default:
				assert.Equal(t, tt.want, got, "backends taking traffic")
			}
			katatest.Completes(t, "Close", p.Close)
		})
	}
}

// TestAddAndRemove covers the answers of Add and Remove.
func TestAddAndRemove(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	p := health.New(&fakeChecker{}, (&fakeTicks{}).new)
	var first, again, gone, unknown bool
	ok := katatest.Completes(t, "Add, Add, Remove, Remove", func() {
		first, again = p.Add(web1), p.Add(web1)
		gone, unknown = p.Remove(web1), p.Remove(web1)
	})
	if !ok {
		return
	}
	assert.True(t, first, "Add of a new backend")
	assert.False(t, again, "Add of a backend already in the pool")
	assert.True(t, gone, "Remove of a backend in the pool")
	assert.False(t, unknown, "Remove of a backend no longer in the pool")
	katatest.Completes(t, "Close", p.Close)
}

// TestRemoveWhileChecking takes web1 out of the pool while its health check
// is running: the fake checker holds the check until the removal has got as
// far as it can (waiting, or returned), and a request has asked for the
// healthy backends. The removal must return, and not before the check is
// over: the operator shuts the backend down as soon as it has, and a check
// that hits a stopped backend pages the on-call. The request must not wait
// for the removal: routing never stops for a health check.
func TestRemoveWhileChecking(t *testing.T) {
	tests := []struct {
		name   string
		remove func(*health.Pool)
	}{
		{name: "service discovery removes the backend", remove: func(p *health.Pool) { p.Remove(web1) }},
		{name: "the balancer shuts down", remove: (*health.Pool).Close},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

			checker, ticks := &fakeChecker{}, &fakeTicks{}
			p := health.New(checker, ticks.new)
			if !add(t, p, web1, web2) {
				return
			}
			removals := make(chan *katatest.Call, 1)
			early := make(chan bool, 1)
			routings := make(chan *katatest.Call, 1)
			routed := make(chan bool, 1)
			entered := checker.holdNext(web1, func() {
				removal := katatest.Go(tt.name, func() { tt.remove(p) })
				removals <- removal
				returned, _ := removal.WaitParked()
				early <- returned
				// A request arrives while the removal waits for the check.
				routing := katatest.Go("Healthy during the removal", func() { p.Healthy() })
				routings <- routing
				returned, _ = routing.WaitParked()
				routed <- returned
			})
			ticks.tickAll()
			if !katatest.Returns(t, "web1's health check", entered) {
				return
			}
			if !(<-removals).Wait(t) {
				return
			}
			assert.False(t, <-early, "the removal returned while web1's health check was still running")
			if !(<-routings).Wait(t) {
				return
			}
			assert.True(t, <-routed, "a request waited in Healthy until the removal was over: routing stalls for as long as a health check takes")

			ticks.tickAll()
			if katatest.WaitIdle(t, "the round of checks after the removal") {
				assert.Equal(t, 1, checker.checks(web1), "health checks of web1, which left the pool after the first")
			}
			var got []string
			if katatest.Completes(t, "Healthy", func() { got = p.Healthy() }) {
				assert.NotContains(t, got, web1, "a removed backend takes no traffic")
			}
			katatest.Completes(t, "Close", p.Close)
		})
	}
}

// TestRemoveWhileAnotherChecks takes web2 out of the pool while its check
// is running, and lets web1's check finish while the removal waits for
// web2's. The removal must not hold up web1: its result must be recorded,
// however long web2's check takes.
func TestRemoveWhileAnotherChecks(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	checker, ticks := &fakeChecker{}, &fakeTicks{}
	p := health.New(checker, ticks.new)
	if !add(t, p, web1, web2) {
		return
	}
	var waiting atomic.Bool                // the removal of web2 has got as far as it can
	var web1Monitor atomic.Pointer[string] // the goroutine that checks web1
	checker.holdNext(web1, func() {
		id := katatest.GoroutineID()
		web1Monitor.Store(&id)
		poll(waiting.Load)
	})
	removals := make(chan *katatest.Call, 1)
	entered := checker.holdNext(web2, func() {
		removal := katatest.Go("Remove web2", func() { p.Remove(web2) })
		removals <- removal
		removal.WaitParked()
		waiting.Store(true)
		if poll(func() bool { return web1Monitor.Load() != nil }) {
			katatest.WaitParked(*web1Monitor.Load()) // web1's result recorded, or waiting to be
		}
	})
	ticks.tickAll()
	if !katatest.Returns(t, "web2's health check", entered) {
		return
	}
	if !(<-removals).Wait(t) {
		return
	}
	var got []string
	if katatest.Completes(t, "Healthy", func() { got = p.Healthy() }) {
		assert.Equal(t, []string{web1}, got, "backends taking traffic: web1 passed its check while web2 was being removed")
	}
	katatest.Completes(t, "Close", p.Close)
}

// TestTwoRemovalsAtOnce takes web1 out of the pool twice at the same moment,
// while its check is running: service discovery and an operator, or a
// removal and the balancer's shutdown. The check is held until both have got
// as far as they can. Both must return, web1 must be removed once (of two
// Removes, exactly one finds it in the pool), and its checks must stop.
func TestTwoRemovalsAtOnce(t *testing.T) {
	// A removal reports whether it found web1 in the pool; Close reports
	// nothing.
	removeWeb1 := func(p *health.Pool) (found, reports bool) { return p.Remove(web1), true }
	closePool := func(p *health.Pool) (found, reports bool) { p.Close(); return false, false }
	tests := []struct {
		name   string
		remove [2]func(*health.Pool) (found, reports bool)
	}{
		{name: "two Removes", remove: [2]func(*health.Pool) (bool, bool){removeWeb1, removeWeb1}},
		{name: "a Remove and a Close", remove: [2]func(*health.Pool) (bool, bool){removeWeb1, closePool}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

			checker, ticks := &fakeChecker{}, &fakeTicks{}
			p := health.New(checker, ticks.new)
			if !add(t, p, web1, web2) {
				return
			}
			removals := make(chan [2]*katatest.Call, 1)
			var found, reports [2]bool // written by each removal before its Call returns
			entered := checker.holdNext(web1, func() {
				var calls [2]*katatest.Call
				for i, remove := range tt.remove {
					calls[i] = katatest.Go("removal "+[]string{"one", "two"}[i], func() { found[i], reports[i] = remove(p) })
				}
				removals <- calls
				calls[0].WaitParked()
				calls[1].WaitParked()
			})
			ticks.tickAll()
			if !katatest.Returns(t, "web1's health check", entered) {
				return
			}
			calls := <-removals
			ok0, ok1 := calls[0].Wait(t), calls[1].Wait(t)
			if !ok0 || !ok1 {
				return
			}
			if reports[0] && reports[1] {
				assert.NotEqual(t, found[0], found[1], "what the two Removes of web1 reported: exactly one of them may find it in the pool")
			}
			ticks.tickAll()
			if katatest.WaitIdle(t, "the round of checks after the removals") {
				assert.Equal(t, 1, checker.checks(web1), "health checks of web1, which left the pool after the first")
			}
			katatest.Completes(t, "Close", p.Close)
		})
	}
}

// poll reports whether ok holds, looking until it does or SpinTimeout has
// passed. A fake calls it on a goroutine of the code under test: it sleeps
// between looks, so the deadlock guard sees that goroutine as busy, not
// waiting.
func poll(ok func() bool) bool {
	deadline := time.Now().Add(katatest.SpinTimeout)
	for !ok() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Microsecond)
	}
	return true
}

// add adds backends under the deadlock guard.
func add(t *testing.T, p *health.Pool, addrs ...string) bool {
	t.Helper()
	return katatest.Completes(t, "Add", func() {
		for _, addr := range addrs {
			assert.True(t, p.Add(addr), "Add(%q)", addr)
		}
	})
}

// fakeChecker answers health checks from a list of failing backends and
// counts the checks. holdNext holds the next check of one backend in a
// function of the test's.
type fakeChecker struct {
	mu      sync.Mutex
	failing map[string]bool
	count   map[string]int
	hold    map[string]func()
}

// fail makes exactly addrs fail their checks from now on.
func (c *fakeChecker) fail(addrs ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failing = map[string]bool{}
	for _, addr := range addrs {
		c.failing[addr] = true
	}
}

// holdNext runs fn inside the next check of addr, before it answers, and
// returns a channel closed when that check has begun.
func (c *fakeChecker) holdNext(addr string, fn func()) <-chan struct{} {
	entered := make(chan struct{})
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hold == nil {
		c.hold = map[string]func(){}
	}
	c.hold[addr] = func() {
		close(entered)
		fn()
	}
	return entered
}

// checks returns how many checks of addr have begun.
func (c *fakeChecker) checks(addr string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.count[addr]
}

func (c *fakeChecker) Check(ctx context.Context, addr string) error {
	c.mu.Lock()
	if c.count == nil {
		c.count = map[string]int{}
	}
	c.count[addr]++
	hold := c.hold[addr]
	delete(c.hold, addr)
	failing := c.failing[addr]
	c.mu.Unlock()
	if hold != nil {
		hold()
	}
	if failing {
		return errDown
	}
	return nil
}

// fakeTicks hands each monitor a tick channel of its own, which tickAll
// ticks. Like a time.Ticker's, a tick nobody has taken yet is not repeated.
type fakeTicks struct {
	mu    sync.Mutex
	chans []chan time.Time
}

func (f *fakeTicks) new() (<-chan time.Time, func()) {
	c := make(chan time.Time, 1)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.chans = append(f.chans, c)
	return c, func() {}
}

// tickAll ticks every monitor's channel once.
func (f *fakeTicks) tickAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.chans {
		select {
		case c <- time.Time{}:
		default:
		}
	}
}
