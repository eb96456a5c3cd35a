package prices_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

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
	// race detector sees a late write and this test reports it. WaitIdle
	// reads goroutine dumps and synchronises with nothing: it hides no race.
	katatest.WaitIdle(t, "the requests still running")
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
	katatest.WaitIdle(t, "the requests let go")
	assert.Zero(t, limiter.lateRequests(),
		"requests still waiting in the limiter, or arriving there, after Compare returned: nothing Compare starts may outlive it")
}

// TestCompareCancelled closes the pricing page, before Compare is called or
// while a supplier is working on its quote. Compare returns the context's
// error, but only once every goroutine it started is done: the limiter and
// the supplier notice the cancellation at once, then take a moment to wind
// down, which the test holds. Until the test lets them finish, Compare must
// not return, however it learnt of the cancellation. (It may also see the
// cancellation first and start nothing.)
func TestCompareCancelled(t *testing.T) {
	tests := []struct {
		name        string
		cancelFirst bool // cancel before calling Compare; otherwise once the supplier is asked
	}{
		{name: "the page is closed before Compare is called", cancelFirst: true},
		{name: "the page is closed while a supplier is quoting"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			windDown := &katatest.Gate{}
			defer windDown.Open()

			s := newSupplier("slowpoke", 990, nil)
			s.windDown = windDown
			f := &prices.Finder{
				Catalog:   slowCatalog{cents: 1500, waitFor: []*fakeSupplier{s}},
				Suppliers: asSuppliers([]*fakeSupplier{s}),
				Limiter:   windingDownLimiter{windDown: windDown},
			}
			if tt.cancelFirst {
				cancel()
			}
			var res outcome
			call := katatest.Go("Compare", func() { res.got, res.err = f.Compare(ctx, sku) })
			if !tt.cancelFirst {
				if !katatest.Returns(t, "the supplier being asked for a quote", s.asked) {
					return
				}
				cancel()
			}
			if !katatest.WaitIdle(t, "Compare, while its request winds down") {
				return
			}
			// A Compare that sees the cancellation before it starts any
			// request may return at once: then nothing is winding down.
			if windingDown := windDown.Held(); windingDown > 0 {
				assert.False(t, call.Returned(),
					"Compare returned while %d request(s) it started were still winding down: nothing Compare starts may outlive it", windingDown)
			}
			windDown.Open()
			if call.Wait(t) {
				require.ErrorIs(t, res.err, context.Canceled)
			}
		})
	}
}

// windingDownLimiter lets requests through at once, unless their context is
// done: then it holds them in windDown before it returns the context's error.
type windingDownLimiter struct{ windDown *katatest.Gate }

func (l windingDownLimiter) Wait(ctx context.Context) error {
	if ctx.Err() != nil {
		l.windDown.Enter()
	}
	return ctx.Err()
}

// outcome is what one call of Compare returned.
type outcome struct {
	got prices.Comparison
	err error
}

// compare calls f.Compare under the deadlock guard, which fails the test
// as soon as Compare waits and nothing is left to wake it. It returns
// false, and an empty outcome, when Compare can never return. A late
// limiter is shown the call, to watch it.
func compare(t *testing.T, ctx context.Context, f *prices.Finder) (outcome, bool) {
	t.Helper()
	var res outcome
	call := katatest.Go("Compare", func() { res.got, res.err = f.Compare(ctx, sku) })
	if l, ok := f.Limiter.(interface{ watch(*katatest.Call) }); ok {
		l.watch(call)
	}
	if !call.Wait(t) {
		return outcome{}, false // Compare may still write res: leave it alone
	}
	return res, true
}

// fakeSupplier answers with a fixed price, or with err, and closes asked when
// it is asked for a quote (once per test), after noting which goroutine
// asked. With windDown set it works on the quote until its context is done,
// and is held in windDown before it returns the context's error.
type fakeSupplier struct {
	name     string
	cents    int64
	err      error
	windDown *katatest.Gate
	asked    chan struct{}
	asker    string // the goroutine that called Quote; read it after asked is closed
}

func newSupplier(name string, cents int64, err error) *fakeSupplier {
	return &fakeSupplier{name: name, cents: cents, err: err, asked: make(chan struct{})}
}

func (s *fakeSupplier) Name() string { return s.name }

func (s *fakeSupplier) Quote(ctx context.Context, sku string) (int64, error) {
	s.asker = katatest.GoroutineID()
	close(s.asked)
	if s.windDown != nil {
		<-ctx.Done()
		s.windDown.Enter()
		return 0, ctx.Err()
	}
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
// waitFor has been asked for a quote and each goroutine that asked has got
// as far as it can: it has returned, or it waits for another goroutine (a
// sleep is waited out). If a supplier is never asked, the catalog waits for
// good, and the guard on Compare reports it. So whatever
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
		}
	}
	if !katatest.WaitParked(askers...) {
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
// got as far as it can: it has returned, or it is parked waiting for other
// goroutines (in sync.WaitGroup.Wait, a channel receive, a select). A
// time.Sleep in Compare does not count as waiting, so a sleep cannot make
// up for a late count. With onlyWhileParked set, a Compare that returns does
// not open it: the requests stay held until their context ends.
//
// It watches Compare through goroutine dumps (katatest.Call.WaitParked),
// not through anything Compare does, so nothing orders Compare's reads
// before the late requests' writes, and the race detector reports the two
// as a race.
type lateLimiter struct {
	open chan struct{}

	onlyWhileParked bool // set before Compare is called
}

func newLateLimiter() *lateLimiter {
	return &lateLimiter{open: make(chan struct{})}
}

func (l *lateLimiter) Wait(ctx context.Context) error {
	select {
	case <-l.open:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// watch opens the limiter once compare is parked or has returned (with
// onlyWhileParked: once it is parked). compare is called right after it has
// started; the watching goroutine ends when it has decided, or when Compare
// has kept running for katatest.SpinTimeout, by which time the test has
// failed anyway.
func (l *lateLimiter) watch(compare *katatest.Call) {
	go func() {
		returned, _ := compare.WaitParked()
		if !returned || !l.onlyWhileParked {
			close(l.open)
		}
	}()
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
