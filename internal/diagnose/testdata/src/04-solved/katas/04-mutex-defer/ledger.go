// Package ledger keeps the balances of the wallets in our payment service.
// Every transfer is written to a journal before it is applied, so the
// balances can be rebuilt after a crash; the balances themselves live in
// memory behind one lock.
package ledger

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Errors a transfer can be refused with.
var (
	ErrInvalidAmount     = errors.New("ledger: amount must be positive")
	ErrUnknownAccount    = errors.New("ledger: unknown account")
	ErrInsufficientFunds = errors.New("ledger: insufficient funds")
)

// Entry is one transfer as the journal records it.
type Entry struct {
	From, To string
	Cents    int64
}

// Journal durably records transfers, in the order they are applied.
type Journal interface {
	// Append writes e to durable storage and returns once it is safe there.
	Append(ctx context.Context, e Entry) error
}

// account is one wallet's balance.
type account struct {
	cents int64
}

// Ledger holds the wallets' balances. It is safe for concurrent use.
type Ledger struct {
	journal Journal

	mu       sync.RWMutex        // guards every account's cents
	accounts map[string]*account // the set of accounts is fixed by New
}

// New returns a ledger with the given opening balances, in cents, that writes
// every transfer to j.
func New(j Journal, opening map[string]int64) *Ledger {
	l := &Ledger{journal: j, accounts: make(map[string]*account, len(opening))}
	for name, cents := range opening {
		l.accounts[name] = &account{cents: cents}
	}
	return l
}

// Transfer moves cents from one account to another. The transfer is journaled
// first and applied only once the journal has it; if the journal fails, the
// balances are left as they were.
func (l *Ledger) Transfer(ctx context.Context, from, to string, cents int64) error {
	if cents <= 0 {
		return ErrInvalidAmount
	}

	l.mu.Lock()
	// Deferred right after Lock, the Unlock runs on every way out: each
	// return below, and a panic from the journal that a caller (net/http's
	// per-request recover, a worker's recover) catches further up.
	defer l.mu.Unlock()

	src, dst := l.accounts[from], l.accounts[to]
	if src == nil || dst == nil {
		return fmt.Errorf("%w: %s -> %s", ErrUnknownAccount, from, to)
	}
	if src.cents < cents {
		return fmt.Errorf("%w: %s has %d, needs %d", ErrInsufficientFunds, from, src.cents, cents)
	}
	if err := l.journal.Append(ctx, Entry{From: from, To: to, Cents: cents}); err != nil {
		return fmt.Errorf("ledger: journal transfer %s -> %s: %w", from, to, err)
	}
	src.cents -= cents
	dst.cents += cents
	return nil
}

// Balance returns the balance of an account, in cents. The wallet screen
// calls it on every page view, so it must stay cheap: it takes the read lock,
// which any number of readers can hold at once.
func (l *Ledger) Balance(name string) (int64, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	a := l.accounts[name]
	if a == nil {
		return 0, fmt.Errorf("%w: %s", ErrUnknownAccount, name)
	}
	return a.cents, nil
}
