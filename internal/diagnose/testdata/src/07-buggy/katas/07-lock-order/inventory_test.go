package inventory_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/katatest"
	inventory "github.com/gokatas/concurrency/katas/07-lock-order"
)

// The tests guard every call with katatest.Completes (or katatest.Go and
// Wait) instead of a clock: a call fails its test with a "deadlock guard:"
// message as soon as it waits for a lock (or a channel) and every other
// goroutine of the test binary is waiting too, so that nothing is left to
// wake it. A correct call is never in that state, however loaded the
// machine. katatest.WaitIdle waits until every goroutine is waiting: the
// code under test has done all it can without the test.

// stock is every test's warehouse.
func stock() map[string]int {
	return map[string]int{"mug": 10, "lamp": 4}
}

// TestReserve makes one reservation in a fresh warehouse.
func TestReserve(t *testing.T) {
	tests := []struct {
		name       string
		retire     bool // retire the mug first
		sku        string
		qty        int
		wantErr    []error // Reserve fails with one of these
		wantInErr  string  // and names the product
		wantLeft   int     // mugs available afterwards
		wantListed bool    // the index still lists the mug
	}{
		{
			name: "a reservation takes units off what is available",
			sku:  "mug", qty: 3,
			wantLeft: 7, wantListed: true,
		},
		{
			// The refusal names the product, the way the logs print it.
			name: "more than is available is refused, naming the product",
			sku:  "mug", qty: 11,
			wantErr: []error{inventory.ErrOutOfStock}, wantInErr: "mug: 10 on hand, 0 reserved",
			wantLeft: 10, wantListed: true,
		},
		{
			name: "an unknown product is refused",
			sku:  "kettle", qty: 1,
			wantErr:  []error{inventory.ErrUnknownSKU},
			wantLeft: 10, wantListed: true,
		},
		{
			// Retired with nothing reserved, the mug leaves the index at once.
			name:   "a retired product is refused",
			retire: true,
			sku:    "mug", qty: 1,
			wantErr: []error{inventory.ErrRetired, inventory.ErrUnknownSKU},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

			inv := inventory.New(&fakeFeed{}, stock())
			var err error
			if tt.retire {
				if !katatest.Completes(t, "Retire", func() { err = inv.Retire("mug") }) {
					return
				}
				require.NoError(t, err)
			}
			if !katatest.Completes(t, "Reserve", func() { _, err = inv.Reserve(tt.sku, tt.qty) }) {
				return
			}
			if len(tt.wantErr) == 0 {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
				assert.True(t, isOneOf(err, tt.wantErr), "Reserve's error %q is none of %v", err, tt.wantErr)
				assert.ErrorContains(t, err, tt.wantInErr)
			}
			if tt.wantListed {
				left, ok := available(t, inv, "mug")
				if ok {
					assert.Equal(t, tt.wantLeft, left, "mugs available afterwards")
				}
			}
		})
	}
}

// TestSettleWhileReserving ends the last reservation of a retired product
// while another customer asks for that product. The storefront's feed holds
// the settling call inside it until the other customer's Reserve has got as
// far as it can; then both must finish, the product must leave the index,
// and the rest of the warehouse must go on working.
func TestSettleWhileReserving(t *testing.T) {
	tests := []struct {
		name   string
		settle func(*inventory.Reservation)
	}{
		{name: "the customer cancels", settle: (*inventory.Reservation).Cancel},
		{name: "the parcel ships", settle: (*inventory.Reservation).Ship},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

			feed := &fakeFeed{}
			inv := inventory.New(feed, stock())
			var r *inventory.Reservation
			var err error
			if !katatest.Completes(t, "Reserve", func() { r, err = inv.Reserve("mug", 2) }) {
				return
			}
			require.NoError(t, err)
			if !katatest.Completes(t, "Retire", func() { err = inv.Retire("mug") }) {
				return
			}
			require.NoError(t, err)

			entered, release := feed.holdNext()
			settled := katatest.Go(tt.name+": the settling call", func() { tt.settle(r) })
			if !katatest.Returns(t, "the settling call reaching the feed", entered) {
				release()
				return
			}
			var late error
			reserved := katatest.Go("the other customer's Reserve", func() { _, late = inv.Reserve("mug", 1) })
			katatest.WaitIdle(t, "the other customer's Reserve")
			release()

			okSettle := settled.Wait(t)
			okReserve := reserved.Wait(t)
			if !okSettle || !okReserve {
				return
			}
			assert.True(t, isOneOf(late, []error{inventory.ErrRetired, inventory.ErrUnknownSKU}),
				"a retired product must be refused, got %v", late)
			assert.Nil(t, inv.Lookup("mug"), "a retired product leaves the index with its last reservation")
			if katatest.Completes(t, "Reserve of another product", func() { _, err = inv.Reserve("lamp", 1) }) {
				assert.NoError(t, err, "the rest of the warehouse goes on working")
			}
		})
	}
}

// TestSettleWhileTheIndexIsBusy ends the last reservation of a retired mug
// while another customer's reservation of a lamp is inside the storefront's
// feed (and may hold the index's lock there). Cancel may wait for it; but
// once Cancel has returned, the mug has left the index, and no goroutine of
// the inventory is left behind to finish the job later.
func TestSettleWhileTheIndexIsBusy(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	feed := &fakeFeed{}
	inv := inventory.New(feed, stock())
	var r *inventory.Reservation
	var err error
	if !katatest.Completes(t, "Reserve", func() { r, err = inv.Reserve("mug", 2) }) {
		return
	}
	require.NoError(t, err)
	if !katatest.Completes(t, "Retire", func() { err = inv.Retire("mug") }) {
		return
	}
	require.NoError(t, err)

	entered, release := feed.holdNext()
	var lampErr error
	lamp := katatest.Go("the lamp's Reserve", func() { _, lampErr = inv.Reserve("lamp", 1) })
	if !katatest.Returns(t, "the lamp's Reserve reaching the feed", entered) {
		release()
		return
	}
	cancelled := katatest.Go("Cancel of the mug's last reservation", r.Cancel)
	katatest.WaitIdle(t, "Cancel while the lamp's Reserve is in the feed")
	if cancelled.Returned() {
		assert.Empty(t, leftBehind(), "goroutines of the inventory still there after Cancel returned: the mug must have left the index by then")
	}
	release()
	okLamp := lamp.Wait(t)
	if !cancelled.Wait(t) || !okLamp {
		return
	}
	assert.NoError(t, lampErr, "the lamp's Reserve")
	assert.Nil(t, inv.Lookup("mug"), "a retired product leaves the index with its last reservation")
}

// leftBehind returns the stacks of the goroutines that the inventory's own
// code started and that are still there. It reads a goroutine dump, which
// synchronises with nothing.
func leftBehind() []string {
	var stacks []string
	for _, g := range katatest.Goroutines() {
		if strings.Contains(g.Stack, "created by github.com/gokatas/concurrency/katas/07-lock-order.") {
			stacks = append(stacks, g.Stack)
		}
	}
	return stacks
}

// TestLastReservationsSettleAtOnce: a retired product has two reservations
// left, and both end at the same moment: one customer cancels as the other's
// parcel ships. Whichever ends last takes the product out of the index.
// Nothing orders the two calls but the inventory's own locks, and the race
// detector checks that they do.
func TestLastReservationsSettleAtOnce(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	inv := inventory.New(&fakeFeed{}, stock())
	var ada, grace *inventory.Reservation
	var err error
	if !katatest.Completes(t, "Reserve for ada", func() { ada, err = inv.Reserve("mug", 2) }) {
		return
	}
	require.NoError(t, err)
	if !katatest.Completes(t, "Reserve for grace", func() { grace, err = inv.Reserve("mug", 3) }) {
		return
	}
	require.NoError(t, err)
	if !katatest.Completes(t, "Retire", func() { err = inv.Retire("mug") }) {
		return
	}
	require.NoError(t, err)

	cancelled := katatest.Go("ada's Cancel", ada.Cancel)
	shipped := katatest.Go("grace's Ship", grace.Ship)
	okCancel := cancelled.Wait(t)
	if !shipped.Wait(t) || !okCancel {
		return
	}
	assert.Nil(t, inv.Lookup("mug"), "a retired product leaves the index with its last reservation")
}

// TestFeedFollowsTheStock changes the mug's stock twice at once: the
// storefront's feed holds the first change's call inside it until the second
// change has got as far as it can. Whatever order the two take, the feed's
// last word on the mug must be what is really available, or the storefront's
// "only 3 left" badge stays wrong until the next change.
func TestFeedFollowsTheStock(t *testing.T) {
	tests := []struct {
		name  string
		first func(*inventory.Reservation) // the first change, on a reservation of 2 mugs
	}{
		{name: "a second reservation", first: nil},
		{name: "a cancellation", first: (*inventory.Reservation).Cancel},
		{name: "a shipment", first: (*inventory.Reservation).Ship},
	}
	for _, tt := range tests {
		t.Run(tt.name+" while another customer reserves", func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

			feed := &fakeFeed{}
			inv := inventory.New(feed, stock())
			var r *inventory.Reservation
			var err error
			if !katatest.Completes(t, "Reserve", func() { r, err = inv.Reserve("mug", 2) }) {
				return
			}
			require.NoError(t, err)

			entered, release := feed.holdNext()
			first := katatest.Go(tt.name, func() {
				if tt.first == nil {
					_, err = inv.Reserve("mug", 1)
				} else {
					tt.first(r)
				}
			})
			if !katatest.Returns(t, "the first change reaching the feed", entered) {
				release()
				return
			}
			var late error
			second := katatest.Go("the other customer's Reserve", func() { _, late = inv.Reserve("mug", 3) })
			katatest.WaitIdle(t, "the other customer's Reserve")
			release()
			okFirst := first.Wait(t)
			if !second.Wait(t) || !okFirst {
				return
			}
			require.NoError(t, err)
			require.NoError(t, late)
			if left, ok := available(t, inv, "mug"); ok {
				assert.Equal(t, left, feed.lastFor("mug"), "the feed's last report of the mugs available, against Available")
			}
		})
	}
}

// TestStatusPageWhileReserving prints a product on the status page and then,
// on another goroutine, reserves it. Nothing orders the two but the
// inventory's own locks: the test waits for the status page with
// katatest.GoUnordered, which sees its goroutine end in a goroutine dump and
// synchronises with nothing, so the race detector checks that the locks do.
func TestStatusPageWhileReserving(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	inv := inventory.New(&fakeFeed{}, stock())
	mug := inv.Lookup("mug")
	require.NotNil(t, mug)

	page := make(chan string, 1)
	if !katatest.GoUnordered("the status page", func() { page <- mug.String() }).Wait(t) {
		return
	}
	var err error
	if !katatest.Completes(t, "Reserve", func() { _, err = inv.Reserve("mug", 3) }) {
		return
	}
	require.NoError(t, err)
	assert.Equal(t, "mug: 10 on hand, 0 reserved", <-page)
	assert.Equal(t, "mug: 10 on hand, 3 reserved", mug.String())
}

// available reads Available under the deadlock guard.
func available(t *testing.T, inv *inventory.Inventory, sku string) (int, bool) {
	t.Helper()
	var n int
	var err error
	if !katatest.Completes(t, "Available", func() { n, err = inv.Available(sku) }) {
		return 0, false
	}
	require.NoError(t, err)
	return n, true
}

// isOneOf reports whether err wraps one of targets.
func isOneOf(err error, targets []error) bool {
	for _, target := range targets {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// fakeFeed remembers the last stock reported for each product. holdNext
// makes it hold the next call inside StockChanged until the test releases
// it, the way a slow storefront would.
type fakeFeed struct {
	mu   sync.Mutex
	last map[string]int
	hold *hold // the next call waits on it
}

// hold is one held call: entered is closed when it arrives, and it leaves
// when release is closed.
type hold struct {
	entered, release chan struct{}
}

func (f *fakeFeed) holdNext() (entered <-chan struct{}, release func()) {
	h := &hold{entered: make(chan struct{}), release: make(chan struct{})}
	f.mu.Lock()
	f.hold = h
	f.mu.Unlock()
	var once sync.Once
	return h.entered, func() { once.Do(func() { close(h.release) }) }
}

// lastFor returns the last stock the feed was told for sku.
func (f *fakeFeed) lastFor(sku string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last[sku]
}

// StockChanged records the report when the call ends: a held call is a slow
// storefront that shows the number only once it has been through.
func (f *fakeFeed) StockChanged(sku string, available int) {
	f.mu.Lock()
	h := f.hold
	f.hold = nil
	f.mu.Unlock()
	if h != nil {
		close(h.entered)
		<-h.release
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.last == nil {
		f.last = map[string]int{}
	}
	f.last[sku] = available
}
