package ledger_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/katatest"
	ledger "github.com/gokatas/concurrency/katas/04-mutex-defer"
)

// lockGuard is how long a call that needs the ledger's lock gets. A transfer
// with an in-memory journal takes microseconds; a call still waiting after
// this long waits for a lock that nobody is going to release.
const lockGuard = katatest.GuardTimeout / 2

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
		name      string
		journal   outcome // what the journal does with the first transfer
		cents     int64   // the first transfer, from alice to bob
		wantErr   error   // what the first transfer returns
		wantPanic bool    // the journal's panic reaches the caller of Transfer
		want      map[string]int64
	}{
		{
			name:    "a transfer moves the money",
			journal: stored,
			cents:   3_000,
			want:    map[string]int64{"alice": 7_200, "bob": 3_300},
		},
		{
			name:    "a journal failure leaves the balances alone",
			journal: fails,
			cents:   3_000,
			wantErr: errDiskFull,
			want:    map[string]int64{"alice": 10_200, "bob": 300},
		},
		{
			// The refusal returns early, before the transfer is journaled.
			name:    "a transfer refused for insufficient funds",
			journal: stored,
			cents:   25_000,
			wantErr: ledger.ErrInsufficientFunds,
			want:    map[string]int64{"alice": 10_200, "bob": 300},
		},
		{
			// A bug in the journal's driver panics. In production net/http
			// recovers the panic, logs it and serves the next request.
			name:      "a journal that panics",
			journal:   panics,
			cents:     3_000,
			wantPanic: true,
			want:      map[string]int64{"alice": 10_200, "bob": 300},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

			j := &fakeJournal{first: tt.journal}
			l := ledger.New(j, opening())
			ctx := context.Background()

			first, ok := transfer(t, ctx, l, "alice", "bob", tt.cents)
			if !ok {
				return
			}
			if tt.wantErr != nil {
				assert.ErrorIs(t, first.err, tt.wantErr)
			} else {
				assert.NoError(t, first.err)
			}
			if tt.wantPanic {
				assert.Equal(t, errJournalBug, first.panicked, "the journal's panic should reach the caller")
			} else {
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
	// that only looks at the length of a channel, which orders nothing. Only
	// the ledger's lock can order the read before the transfer's write, and
	// the race detector checks that it does.
	seen := make(chan int64, 1)
	errs := make(chan error, 1)
	go func() {
		cents, err := l.Balance("alice")
		errs <- err
		seen <- cents
	}()
	deadline := time.Now().Add(lockGuard)
	for len(seen) == 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Microsecond)
	}
	if len(seen) == 0 {
		t.Errorf("%s Balance did not return within %v", katatest.DeadlockMarker, lockGuard)
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

// result is what one call of Transfer did.
type result struct {
	err      error
	panicked any // the value Transfer panicked with, or nil
}

// transfer calls l.Transfer under the deadlock guard and recovers a panic the
// way net/http does for a handler. It returns false when Transfer did not
// return in time, which means it is waiting for the ledger's lock.
func transfer(t *testing.T, ctx context.Context, l *ledger.Ledger, from, to string, cents int64) (result, bool) {
	t.Helper()
	var res result
	ok := katatest.Within(t, lockGuard, "Transfer "+from+" -> "+to, func() {
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
	ok := katatest.Within(t, lockGuard, "Balance", func() {
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
// says; every later Append stores its entry.
type fakeJournal struct {
	first outcome

	mu      sync.Mutex
	calls   int
	entries []ledger.Entry
}

func (j *fakeJournal) Append(ctx context.Context, e ledger.Entry) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.calls++
	if j.calls == 1 {
		switch j.first {
		case fails:
			return errDiskFull
		case panics:
			panic(errJournalBug)
		}
	}
	j.entries = append(j.entries, e)
	return nil
}
