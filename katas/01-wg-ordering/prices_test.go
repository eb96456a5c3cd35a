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
// here: it answers only once every supplier has been asked for a quote.
func TestCompare(t *testing.T) {
	tests := []struct {
		name       string
		suppliers  []*fakeSupplier
		cancel     bool // cancel the context before calling Compare
		want       []prices.Quote
		wantFailed []string // the supplier each Failed error names, in order
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
			assert.Equal(t, tt.want, res.got.Quotes)
			require.Len(t, res.got.Failed, len(tt.wantFailed), "failed suppliers: %v", res.got.Failed)
			for i, name := range tt.wantFailed {
				assert.ErrorIs(t, res.got.Failed[i], errUnavailable)
				assert.ErrorContains(t, res.got.Failed[i], name)
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
// it is asked for a quote (once per test).
type fakeSupplier struct {
	name  string
	cents int64
	err   error
	asked chan struct{}
}

func newSupplier(name string, cents int64, err error) *fakeSupplier {
	return &fakeSupplier{name: name, cents: cents, err: err, asked: make(chan struct{})}
}

func (s *fakeSupplier) Name() string { return s.name }

func (s *fakeSupplier) Quote(ctx context.Context, sku string) (int64, error) {
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
// waitFor has been asked for a quote.
type slowCatalog struct {
	cents   int64
	waitFor []*fakeSupplier
}

func (c slowCatalog) ListPrice(ctx context.Context, sku string) (int64, error) {
	for _, s := range c.waitFor {
		select {
		case <-s.asked:
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(katatest.GuardTimeout):
			return 0, fmt.Errorf("catalog: %s was never asked for a quote", s.name)
		}
	}
	return c.cents, nil
}

// noLimit lets every request through at once.
type noLimit struct{}

func (noLimit) Wait(ctx context.Context) error { return ctx.Err() }

// lateLimiter lets requests through only once the Compare call under test has
// stopped running: it has returned, or it is parked waiting (in
// sync.WaitGroup.Wait, a channel receive or a select). A time.Sleep in Compare
// does not count as waiting, so a sleep cannot make up for a late count.
//
// It watches Compare through goroutine stack dumps, not through anything
// Compare does, so nothing orders Compare's reads before the late requests'
// writes, and the race detector reports the two as a race.
type lateLimiter struct {
	start  sync.Once
	open   chan struct{}
	ignore map[string]bool // goroutines already inside Compare, left blocked by an earlier test
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

// watch opens the limiter once Compare has stopped running; it gives up
// after twice the guard timeout, by which time the test has failed anyway.
func (l *lateLimiter) watch() {
	defer close(l.open)
	deadline := time.Now().Add(2 * katatest.GuardTimeout)
	for l.compareRunning() && time.Now().Before(deadline) {
		time.Sleep(100 * time.Microsecond)
	}
}

// compareFrame is how a call of Compare shows in a goroutine's stack; the
// goroutines Compare starts show as Compare.func1 and do not match.
const compareFrame = ".(*Finder).Compare("

// compareRunning reports whether the Compare under test is still running:
// not returned, and not parked in a state that waits for other goroutines.
func (l *lateLimiter) compareRunning() bool {
	waitStates := []string{"sync.WaitGroup.Wait", "chan receive", "select", "sync.Cond.Wait"}
	for _, g := range katatest.Goroutines() {
		if l.ignore[g.ID] || !strings.Contains(g.Stack, compareFrame) {
			continue
		}
		for _, s := range waitStates {
			if strings.HasPrefix(g.State, s) {
				return false
			}
		}
		return true
	}
	return false // Compare has returned
}
