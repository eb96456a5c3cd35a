package prices_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/katatest"
	prices "github.com/gokatas/concurrency/katas/01-wg-ordering"
)

const sku = "KB-104-BLUE"

// errUnavailable is what a failing fake supplier answers.
var errUnavailable = errors.New("supplier unavailable")

// TestCompare checks what the pricing page gets back. The catalog is slow
// here: it answers only once every supplier has been asked for a quote and
// the goroutine that asked has finished (or is waiting for Compare).
func TestCompare(t *testing.T) {
	tests := []struct {
		name       string
		suppliers  []*fakeSupplier
		cancel     bool // cancel the context before calling Compare
		want       []prices.Quote
		wantFailed []string // the suppliers the Failed errors name, one each, in any order
		wantErr    error
	}{
		{
			name: "every supplier quotes, cheapest first",
			suppliers: []*fakeSupplier{
				newSupplier("acme", 1250, nil),
				newSupplier("brightline", 990, nil),
				newSupplier("corvid", 1100, nil),
			},
			want: []prices.Quote{{Supplier: "brightline", Cents: 990}, {Supplier: "corvid", Cents: 1100}, {Supplier: "acme", Cents: 1250}},
		},
		{
			// The error path of a supplier goroutine must still mark it done.
			name: "a failing supplier is reported and the others still count",
			suppliers: []*fakeSupplier{
				newSupplier("acme", 1250, nil),
				newSupplier("brightline", 0, errUnavailable),
			},
			want:       []prices.Quote{{Supplier: "acme", Cents: 1250}},
			wantFailed: []string{"brightline"},
		},
		{
			name: "two suppliers fail at once",
			suppliers: []*fakeSupplier{
				newSupplier("acme", 0, errUnavailable),
				newSupplier("brightline", 990, nil),
				newSupplier("corvid", 0, errUnavailable),
			},
			want:       []prices.Quote{{Supplier: "brightline", Cents: 990}},
			wantFailed: []string{"acme", "corvid"},
		},
		{
			// Nobody to wait for: Compare must not wait for a goroutine it
			// never started.
			name: "no suppliers: only our list price",
		},
		{
			// No request goes out: the limiter refuses them all.
			name: "a cancelled comparison reports the cancellation",
			suppliers: []*fakeSupplier{
				newSupplier("acme", 1250, nil),
				newSupplier("brightline", 990, nil),
			},
			cancel:  true,
			wantErr: context.Canceled,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel {
				cancel()
			}
			f := &prices.Finder{
				Catalog:   slowCatalog{cents: 1500, waitFor: tt.suppliers},
				Suppliers: asSuppliers(tt.suppliers),
				Limiter:   noLimit{},
			}
			res, ok := compare(t, ctx, f)
			if !ok {
				return
			}
			if tt.wantErr != nil {
				require.ErrorIs(t, res.err, tt.wantErr)
				return
			}
			require.NoError(t, res.err)
			assert.Equal(t, sku, res.got.SKU)
			assert.Equal(t, int64(1500), res.got.ListPrice)
			if len(tt.want) == 0 {
				assert.Empty(t, res.got.Quotes)
			} else {
				assert.Equal(t, tt.want, res.got.Quotes)
			}
			require.Len(t, res.got.Failed, len(tt.wantFailed), "failed suppliers: %v", res.got.Failed)
			for _, err := range res.got.Failed {
				assert.ErrorIs(t, err, errUnavailable)
			}
			for _, name := range tt.wantFailed { // in any order
				assert.Equal(t, 1, countNaming(res.got.Failed, name), "one error should name %s: %v", name, res.got.Failed)
			}
		})
	}
}

// TestCompareWaitsForLateRequests holds every request back in the limiter
// until Compare has stopped running: until it has returned, or is parked
// waiting for the suppliers. Compare has to count a request before it starts
// the goroutine that sends it; counted only when it goes out, the request
// comes too late to be waited for.
func TestCompareWaitsForLateRequests(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	before := runtime.NumGoroutine()
	f := &prices.Finder{
		Catalog: slowCatalog{cents: 1500}, // waits for nobody: answers at once
		Suppliers: asSuppliers([]*fakeSupplier{
			newSupplier("acme", 1250, nil),
			newSupplier("brightline", 990, nil),
			newSupplier("corvid", 1100, nil),
		}),
		Limiter: newLateLimiter(),
	}
	res, ok := compare(t, context.Background(), f)
	if ok {
		assert.NoError(t, res.err)
		assert.Equal(t,
			[]prices.Quote{{Supplier: "brightline", Cents: 990}, {Supplier: "corvid", Cents: 1100}, {Supplier: "acme", Cents: 1250}},
			res.got.Quotes, "Compare returned before every supplier had answered")
	}
	// Let the goroutines still running finish inside this test, so that the
	// race detector sees a late write and this test reports it. Counting
	// goroutines does not synchronise with them, so it hides no race.
	waitForGoroutines(t, before)
}

// countNaming counts the errors whose message names the supplier.
func countNaming(errs []error, name string) int {
	n := 0
	for _, err := range errs {
		if strings.Contains(err.Error(), name) {
			n++
		}
	}
	return n
}

// TestCompareWaitsWhenTheCatalogFails makes the catalog fail at once while
// every request is held in the limiter until Compare is parked waiting for
// the suppliers. Compare reports the catalog's error, but only once the
// goroutines it started are done: nothing it starts may outlive it. A
// Compare that returns as soon as the catalog fails never parks, so its
// requests are still held (or not even started) when it returns; the test
// then lets them go by cancelling their context, and counts them.
func TestCompareWaitsWhenTheCatalogFails(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	limiter := &countingLimiter{lateLimiter: newLateLimiter()}
	limiter.onlyWhileParked = true
	f := &prices.Finder{
		Catalog:   failingCatalog{},
		Suppliers: asSuppliers([]*fakeSupplier{newSupplier("acme", 1250, nil), newSupplier("brightline", 990, nil)}),
		Limiter:   limiter,
	}
	res, ok := compare(t, ctx, f)
	if !ok {
		return
	}
	limiter.compareReturned()
	require.ErrorIs(t, res.err, errCatalogDown)

	cancel() // let go whatever is still held
	waitForGoroutines(t, before)
	assert.Zero(t, limiter.lateRequests(),
		"requests still waiting in the limiter, or arriving there, after Compare returned: nothing Compare starts may outlive it")
}

// outcome is what one call of Compare returned.
type outcome struct {
	got prices.Comparison
	err error
}

// compare calls f.Compare under the deadlock guard. It returns false, and an
// empty outcome, when Compare did not return in time.
func compare(t *testing.T, ctx context.Context, f *prices.Finder) (outcome, bool) {
	t.Helper()
	var res outcome
	if !katatest.Within(t, katatest.GuardTimeout, "Compare", func() {
		res.got, res.err = f.Compare(ctx, sku)
	}) {
		return outcome{}, false // Compare may still write res: leave it alone
	}
	return res, true
}

// waitForGoroutines waits, for up to the guard timeout, until at most n
// goroutines are left. Those still left are the leak check's business.
func waitForGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(katatest.GuardTimeout)
	for runtime.NumGoroutine() > n && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
}

// fakeSupplier answers with a fixed price, or with err, and closes asked when
// it is asked for a quote (once per test), after noting which goroutine
// asked.
type fakeSupplier struct {
	name  string
	cents int64
	err   error
	asked chan struct{}
	asker string // the goroutine that called Quote; read it after asked is closed
}

func newSupplier(name string, cents int64, err error) *fakeSupplier {
	return &fakeSupplier{name: name, cents: cents, err: err, asked: make(chan struct{})}
}

func (s *fakeSupplier) Name() string { return s.name }

func (s *fakeSupplier) Quote(ctx context.Context, sku string) (int64, error) {
	s.asker = katatest.GoroutineID()
	close(s.asked)
	return s.cents, s.err
}

func asSuppliers(fakes []*fakeSupplier) []prices.Supplier {
	out := make([]prices.Supplier, len(fakes))
	for i, s := range fakes {
		out[i] = s
	}
	return out
}

// slowCatalog answers with a fixed list price, but only once every supplier in
// waitFor has been asked for a quote and each goroutine that asked has
// stopped running: it has returned, or it waits for something. So whatever
// a supplier goroutine does after its quote (mark itself done, send its
// result) has happened, or is waiting for Compare, before Compare gets the
// list price.
type slowCatalog struct {
	cents   int64
	waitFor []*fakeSupplier
}

func (c slowCatalog) ListPrice(ctx context.Context, sku string) (int64, error) {
	askers := make([]string, 0, len(c.waitFor))
	for _, s := range c.waitFor {
		select {
		case <-s.asked:
			askers = append(askers, s.asker)
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(katatest.GuardTimeout):
			return 0, fmt.Errorf("catalog: %s was never asked for a quote", s.name)
		}
	}
	if !katatest.WaitStopped(katatest.GuardTimeout, askers...) {
		return 0, errors.New("catalog: the goroutines that asked for quotes are still running")
	}
	return c.cents, nil
}

// errCatalogDown is what failingCatalog answers.
var errCatalogDown = errors.New("catalog unavailable")

// failingCatalog fails at once.
type failingCatalog struct{}

func (failingCatalog) ListPrice(ctx context.Context, sku string) (int64, error) {
	return 0, errCatalogDown
}

// noLimit lets every request through at once.
type noLimit struct{}

func (noLimit) Wait(ctx context.Context) error { return ctx.Err() }

// lateLimiter lets requests through only once the Compare call under test has
// stopped running: it has returned, or it is parked waiting (in
// sync.WaitGroup.Wait, a channel receive or a select). A time.Sleep in Compare
// does not count as waiting, so a sleep cannot make up for a late count.
// With onlyWhileParked set, a Compare that returns does not open it: the
// requests stay held until their context ends.
//
// It watches Compare through goroutine stack dumps, not through anything
// Compare does, so nothing orders Compare's reads before the late requests'
// writes, and the race detector reports the two as a race.
type lateLimiter struct {
	start  sync.Once
	open   chan struct{}
	ignore map[string]bool // goroutines already inside Compare, left blocked by an earlier test

	onlyWhileParked bool // set before the first Wait
}

func newLateLimiter() *lateLimiter {
	l := &lateLimiter{open: make(chan struct{}), ignore: map[string]bool{}}
	for _, g := range katatest.Goroutines() {
		if strings.Contains(g.Stack, compareFrame) {
			l.ignore[g.ID] = true
		}
	}
	return l
}

func (l *lateLimiter) Wait(ctx context.Context) error {
	l.start.Do(func() { go l.watch() })
	select {
	case <-l.open:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// watch opens the limiter once Compare has stopped running (with
// onlyWhileParked: once it is parked); it gives up and opens after twice the
// guard timeout, by which time the test has failed anyway.
func (l *lateLimiter) watch() {
	deadline := time.Now().Add(2 * katatest.GuardTimeout)
	for time.Now().Before(deadline) {
		switch l.compareState() {
		case compareParked:
			close(l.open)
			return
		case compareReturned:
			if !l.onlyWhileParked {
				close(l.open)
			}
			return
		}
		time.Sleep(100 * time.Microsecond)
	}
	close(l.open)
}

// countingLimiter is a lateLimiter that counts the requests still inside its
// Wait when the test says Compare has returned, and those that arrive after.
// Its mutex orders the requests with the test, so it is used only where no
// data race is being looked for.
type countingLimiter struct {
	*lateLimiter
	mu       sync.Mutex
	inside   int  // requests in Wait right now
	late     int  // requests inside, or arriving, after Compare returned
	returned bool // Compare has returned
}

func (c *countingLimiter) Wait(ctx context.Context) error {
	c.mu.Lock()
	c.inside++
	if c.returned {
		c.late++
	}
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.inside--
		c.mu.Unlock()
	}()
	return c.lateLimiter.Wait(ctx)
}

// compareReturned records that Compare has returned: every request still
// inside Wait is late, and so is every one that arrives from now on.
func (c *countingLimiter) compareReturned() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.returned = true
	c.late += c.inside
}

func (c *countingLimiter) lateRequests() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.late
}

// compareFrame is how a call of Compare shows in a goroutine's stack; the
// goroutines Compare starts show as Compare.func1 and do not match.
const compareFrame = ".(*Finder).Compare("

// What the Compare under test is doing, seen from a goroutine dump.
const (
	compareRunning  = iota // running, runnable, sleeping, or blocked on a lock
	compareParked          // waiting for other goroutines: WaitGroup, channel, select, Cond
	compareReturned        // no goroutine is inside Compare any more
)

// compareState reports what the Compare under test is doing.
func (l *lateLimiter) compareState() int {
	waitStates := []string{"sync.WaitGroup.Wait", "chan receive", "select", "sync.Cond.Wait"}
	for _, g := range katatest.Goroutines() {
		if l.ignore[g.ID] || !strings.Contains(g.Stack, compareFrame) {
			continue
		}
		for _, s := range waitStates {
			if strings.HasPrefix(g.State, s) {
				return compareParked
			}
		}
		return compareRunning
	}
	return compareReturned
}
