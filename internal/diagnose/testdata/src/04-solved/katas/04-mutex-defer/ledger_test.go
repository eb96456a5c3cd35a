package ledger_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/katatest"
	ledger "github.com/gokatas/concurrency/katas/04-mutex-defer"
)

// Every call into the ledger is guarded by katatest.Completes (or
// katatest.Go and Wait): it fails the test with a "deadlock guard:" message
// as soon as the call waits (for the ledger's lock, say) and every other
// goroutine of the test binary waits too, so that nothing is left to wake
// it. A correct call is never in that state, however loaded the machine.

// errDiskFull is what a failing fake journal answers.
var errDiskFull = errors.New("journal: no space left on device")

// opening is every test's set of wallets.
func opening() map[string]int64 {
	return map[string]int64{"alice": 10_000, "bob": 500}
}

// TestTransfer makes one transfer and then serves the next customer: bob
// pays alice 200. Whatever happened to the first transfer, the ledger must
// still serve the second.
func TestTransfer(t *testing.T) {
	tests := []struct {
		name     string
		journal  outcome // what the journal does with the first transfer
		from, to string  // the first transfer's accounts
		cents    int64   // the first transfer's amount
		wantErr  error   // what the first transfer returns
		eitherOK bool    // the first transfer may succeed or be refused
		want     map[string]int64
	}{
		{
			name:    "a transfer moves the money",
			journal: stored, from: "alice", to: "bob", cents: 3_000,
			want: map[string]int64{"alice": 7_200, "bob": 3_300},
		},
		{
			name:    "a journal failure leaves the balances alone",
			journal: fails, from: "alice", to: "bob", cents: 3_000,
			wantErr: errDiskFull,
			want:    map[string]int64{"alice": 10_200, "bob": 300},
		},
		{
			// The refusal returns early, before the transfer is journaled.
			name:    "a transfer refused for insufficient funds",
			journal: stored, from: "alice", to: "bob", cents: 25_000,
			wantErr: ledger.ErrInsufficientFunds,
			want:    map[string]int64{"alice": 10_200, "bob": 300},
		},
		{
			// A bug in the journal's driver panics. In production net/http
			// recovers the panic, logs it and serves the next request. The
			// panic may reach the caller, or come back as an error.
			name:    "a journal that panics",
			journal: panics, from: "alice", to: "bob", cents: 3_000,
			wantErr: errJournalBug,
			want:    map[string]int64{"alice": 10_200, "bob": 300},
		},
		{
			name:    "a transfer to an unknown account",
			journal: stored, from: "alice", to: "carol", cents: 3_000,
			wantErr: ledger.ErrUnknownAccount,
			want:    map[string]int64{"alice": 10_200, "bob": 300},
		},
		{
			name:    "a zero amount is refused",
			journal: stored, from: "alice", to: "bob", cents: 0,
			wantErr: ledger.ErrInvalidAmount,
			want:    map[string]int64{"alice": 10_200, "bob": 300},
		},
		{
			// Bob "pays" alice a negative amount: money would flow from
			// alice to bob without alice's consent.
			name:    "a negative amount is refused",
			journal: stored, from: "bob", to: "alice", cents: -3_000,
			wantErr: ledger.ErrInvalidAmount,
			want:    map[string]int64{"alice": 10_200, "bob": 300},
		},
		{
			// Moving money from a wallet to itself changes nothing: it may
			// succeed or be refused, and the ledger goes on serving.
			name:    "a transfer to the same account",
			journal: stored, from: "alice", to: "alice", cents: 3_000,
			eitherOK: true,
			want:     map[string]int64{"alice": 10_200, "bob": 300},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

			j := &fakeJournal{first: tt.journal}
			l := ledger.New(j, opening())
			ctx := context.Background()

			first, ok := transfer(t, ctx, l, tt.from, tt.to, tt.cents)
			if !ok {
				return
			}
			switch {
			case tt.journal == panics && first.panicked != nil:
				assert.Equal(t, errJournalBug, first.panicked, "the journal's panic, as it reached the caller")
			case tt.journal == panics:
				assert.Error(t, first.err, "the journal panicked: Transfer should pass the panic on, or return an error")
			case tt.eitherOK:
				assert.Nil(t, first.panicked, "Transfer panicked")
			case tt.wantErr != nil:
				assert.ErrorIs(t, first.err, tt.wantErr)
				assert.Nil(t, first.panicked, "Transfer panicked")
			default:
				assert.NoError(t, first.err)
				assert.Nil(t, first.panicked, "Transfer panicked")
			}

			next, served := transfer(t, ctx, l, "bob", "alice", 200)
			if served {
				assert.NoError(t, next.err, "the next customer's transfer")
				assert.Nil(t, next.panicked, "the next customer's transfer panicked")
			}
			if got, ok := balances(t, l); ok {
				assert.Equal(t, tt.want, got, "balances after the next customer's transfer")
			}
		})
	}
}

// TestBalanceThenTransfer reads a balance and then, on another goroutine,
// makes a transfer from the same account: the wallet screen and the payment
// API do this all day long.
func TestBalanceThenTransfer(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	l := ledger.New(&fakeJournal{}, opening())

	// The read and the transfer run on two goroutines with nothing between
	// them but the ledger: no WaitGroup, no log line, and a wait for the read
	// that looks for its goroutine's end in a goroutine dump, which orders
	// nothing. Only the ledger's lock can order the read before the
	// transfer's write, and the race detector checks that it does.
	seen := make(chan int64, 1)
	errs := make(chan error, 1)
	read := katatest.GoUnordered("Balance", func() {
		cents, err := l.Balance("alice")
		errs <- err
		seen <- cents
	})
	if !read.Wait(t) {
		return
	}

	first, ok := transfer(t, context.Background(), l, "alice", "bob", 3_000)
	if !ok {
		return
	}
	require.NoError(t, first.err)
	require.NoError(t, <-errs)
	assert.Equal(t, int64(10_000), <-seen, "alice's balance before the transfer")
	if got, ok := balances(t, l); ok {
		assert.Equal(t, map[string]int64{"alice": 7_000, "bob": 3_500}, got)
	}
}

// TestBalanceOfUnknownAccount asks for the balance of a wallet that does not
// exist, then serves the next customer: the refusal must leave the ledger
// as usable as a successful read does.
func TestBalanceOfUnknownAccount(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	l := ledger.New(&fakeJournal{}, opening())
	var err error
	if !katatest.Completes(t, "Balance carol", func() { _, err = l.Balance("carol") }) {
		return
	}
	assert.ErrorIs(t, err, ledger.ErrUnknownAccount)

	next, ok := transfer(t, context.Background(), l, "bob", "alice", 200)
	if !ok {
		return
	}
	assert.NoError(t, next.err, "the next customer's transfer")
	if got, ok := balances(t, l); ok {
		assert.Equal(t, map[string]int64{"alice": 10_200, "bob": 300}, got)
	}
}

// TestTwoTransfersAtOnce has two customers' payments from bob's wallet
// arrive at the same moment: 300 each, and bob has 500. One of them must be
// refused. The journal holds whichever transfer reaches it first until the
// other one has got as far as it can (waiting for the ledger's lock, or in
// the journal too), so a check of bob's funds that is not held until the
// debit is seen to let both through, every time.
func TestTwoTransfersAtOnce(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	j := &fakeJournal{}
	l := ledger.New(j, opening())
	ctx := context.Background()

	start := make(chan struct{})
	var res [2]result
	var calls [2]*katatest.Call
	for i := range calls {
		calls[i] = katatest.Go("Transfer bob -> alice", func() {
			<-start
			defer func() { res[i].panicked = recover() }()
			res[i].err = l.Transfer(ctx, "bob", "alice", 300)
		})
	}
	j.hold = func() { // runs on the goroutine of the call that reaches the journal first
		for _, other := range calls {
			if other.ID() != katatest.GoroutineID() {
				other.WaitParked() // it has returned, or waits (for the lock, say)
			}
		}
	}
	close(start) // releases both customers together

	ok0, ok1 := calls[0].Wait(t), calls[1].Wait(t)
	if !ok0 || !ok1 {
		return
	}
	var paid, refused int
	for _, r := range res {
		assert.Nil(t, r.panicked, "Transfer panicked")
		switch {
		case r.err == nil:
			paid++
		case errors.Is(r.err, ledger.ErrInsufficientFunds):
			refused++
		default:
			assert.NoError(t, r.err)
		}
	}
	assert.Equal(t, 1, paid, "transfers of 300 that went through, with 500 in bob's wallet")
	assert.Equal(t, 1, refused, "transfers refused for insufficient funds")
	if got, ok := balances(t, l); ok {
		assert.Equal(t, map[string]int64{"alice": 10_300, "bob": 200}, got)
	}
	assert.Equal(t, []ledger.Entry{{From: "bob", To: "alice", Cents: 300}}, j.stored(),
		"the journal, which the balances are rebuilt from after a crash")
}

// TestBalanceDuringTransfer reads alice's balance while her transfer waits
// for the journal, holding the ledger. Balance may wait for the transfer and
// answer with the balance after it, or answer with the one before it; either
// way the ledger's lock must order its read with the transfer's write, which
// comes once the journal lets the transfer go on. The race detector checks
// that it does: the test starts the read, waits until every goroutine waits,
// and lets the journal go on, all without ordering anything itself.
func TestBalanceDuringTransfer(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	journal := &katatest.Gate{}
	l := ledger.New(&fakeJournal{gate: journal}, opening())

	pay, payErr, ok := transferWaitingForJournal(t, l, journal, "alice", "bob", 3_000)
	if !ok {
		return
	}
	seen := make(chan int64, 1)
	errs := make(chan error, 1)
	read := katatest.GoUnordered("Balance alice", func() {
		cents, err := l.Balance("alice")
		errs <- err
		seen <- cents
	})
	if !katatest.WaitIdle(t, "Balance alice, while a transfer waits for the journal") {
		return
	}
	journal.Open()

	if !pay.Wait(t) || !read.Wait(t) {
		return
	}
	require.NoError(t, *payErr, "the transfer")
	require.NoError(t, <-errs)
	assert.Contains(t, []int64{10_000, 7_000}, <-seen, "alice's balance, from before or after the transfer")
}

// TestTransfersQueuedBehindAnother has two payments of 300 from bob's wallet
// arrive together while a transfer of 100 from it waits for the journal,
// holding the ledger. Bob will have 400 left: one of the two must be
// refused, however the two were let in once the first transfer is done.
func TestTransfersQueuedBehindAnother(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	journal := &katatest.Gate{}
	j := &fakeJournal{gate: journal}
	l := ledger.New(j, opening())
	ctx := context.Background()

	first, firstErr, ok := transferWaitingForJournal(t, l, journal, "bob", "alice", 100)
	if !ok {
		return
	}
	var res [2]result
	var calls [2]*katatest.Call
	for i := range calls {
		calls[i] = katatest.Go("Transfer bob -> alice", func() {
			defer func() { res[i].panicked = recover() }()
			res[i].err = l.Transfer(ctx, "bob", "alice", 300)
		})
	}
	if !katatest.WaitIdle(t, "two transfers, while another one waits for the journal") {
		return
	}
	journal.Open()

	ok0, ok1, ok2 := first.Wait(t), calls[0].Wait(t), calls[1].Wait(t)
	if !ok0 || !ok1 || !ok2 {
		return
	}
	require.NoError(t, *firstErr, "the transfer of 100 from bob")
	var paid, refused int
	for _, r := range res {
		assert.Nil(t, r.panicked, "Transfer panicked")
		switch {
		case r.err == nil:
			paid++
		case errors.Is(r.err, ledger.ErrInsufficientFunds):
			refused++
		default:
			assert.NoError(t, r.err)
		}
	}
	assert.Equal(t, 1, paid, "transfers of 300 that went through, with 400 left in bob's wallet")
	assert.Equal(t, 1, refused, "transfers refused for insufficient funds")
	if got, ok := balances(t, l); ok {
		assert.Equal(t, map[string]int64{"alice": 10_400, "bob": 100}, got)
	}
}

// transferWaitingForJournal starts a transfer whose journal write the gate
// holds, and waits until it is held there: from then on, until the test
// opens the gate, the transfer is in the middle of its work, holding
// whatever the ledger holds while it journals. Once the call has returned,
// *err is what it returned.
func transferWaitingForJournal(t *testing.T, l *ledger.Ledger, journal *katatest.Gate, from, to string, cents int64) (call *katatest.Call, err *error, ok bool) {
	t.Helper()
	err = new(error)
	what := "Transfer " + from + " -> " + to
	call = katatest.Go(what, func() { *err = l.Transfer(context.Background(), from, to, cents) })
	if !katatest.WaitIdle(t, what+", held in the journal") {
		return nil, nil, false
	}
	if journal.Held() != 1 {
		journal.Open()
		call.Wait(t)
		t.Errorf("%s did not reach the journal", what)
		return nil, nil, false
	}
	return call, err, true
}

// result is what one call of Transfer did.
type result struct {
	err      error
	panicked any // the value Transfer panicked with, or nil
}

// transfer calls l.Transfer under the deadlock guard and recovers a panic the
// way net/http does for a handler. It returns false when Transfer cannot
// return, which means it is waiting for a lock that nobody will release.
func transfer(t *testing.T, ctx context.Context, l *ledger.Ledger, from, to string, cents int64) (result, bool) {
	t.Helper()
	var res result
	ok := katatest.Completes(t, "Transfer "+from+" -> "+to, func() {
		defer func() { res.panicked = recover() }()
		res.err = l.Transfer(ctx, from, to, cents)
	})
	if !ok {
		return result{}, false // Transfer may still write res: leave it alone
	}
	return res, true
}

// balances reads every test account's balance under the deadlock guard.
func balances(t *testing.T, l *ledger.Ledger) (map[string]int64, bool) {
	t.Helper()
	got := map[string]int64{}
	var err error
	ok := katatest.Completes(t, "Balance", func() {
		for name := range opening() {
			var cents int64
			if cents, err = l.Balance(name); err != nil {
				return
			}
			got[name] = cents
		}
	})
	if !ok {
		return nil, false
	}
	require.NoError(t, err)
	return got, true
}

// outcome is what the fake journal does with the first entry it is given.
type outcome int

const (
	stored outcome = iota // it is stored
	fails                 // Append returns errDiskFull
	panics                // Append panics with errJournalBug
)

// errJournalBug is the value the panicking fake journal panics with.
var errJournalBug = errors.New("journal driver: index out of range")

// fakeJournal keeps entries in memory. The first Append does what first
// says; every later Append stores its entry. If hold is set, the first
// Append calls it first and goes on when it returns; if gate is set, the
// first Append waits there until the test lets it through.
type fakeJournal struct {
	first outcome
	hold  func()
	gate  *katatest.Gate

	mu      sync.Mutex
	calls   int
	entries []ledger.Entry
}

func (j *fakeJournal) Append(ctx context.Context, e ledger.Entry) error {
	j.mu.Lock()
	j.calls++
	n := j.calls
	j.mu.Unlock()
	if n == 1 && j.hold != nil {
		j.hold() // outside j.mu: another transfer may reach Append meanwhile
	}
	if n == 1 && j.gate != nil {
		j.gate.Enter()
	}
	if n == 1 {
		switch j.first {
		case fails:
			return errDiskFull
		case panics:
			panic(errJournalBug)
		}
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries = append(j.entries, e)
	return nil
}

// stored returns the entries the journal holds.
func (j *fakeJournal) stored() []ledger.Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]ledger.Entry(nil), j.entries...)
}
