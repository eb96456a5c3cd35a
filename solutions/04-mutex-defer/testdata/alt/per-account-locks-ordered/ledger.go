// Package ledger keeps the balances of the wallets in our payment service.
// Every transfer is written to a journal before it is applied, so the
// balances can be rebuilt after a crash; the balances themselves live in
// memory behind one lock.
package ledger

import (
	"cmp"
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

// account is one wallet's balance, behind its own lock.
type account struct {
	mu    sync.Mutex
	cents int64
}

// Ledger holds the wallets' balances. It is safe for concurrent use.
type Ledger struct {
	journal  Journal
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
//
// Each wallet has its own lock. A transfer takes the two wallets' locks in
// one global order, by name, so two transfers never wait for each other in
// a circle; a transfer to the same wallet takes its lock once.
func (l *Ledger) Transfer(ctx context.Context, from, to string, cents int64) error {
	if cents <= 0 {
		return ErrInvalidAmount
	}
	src, dst := l.accounts[from], l.accounts[to] // the map is never written after New
	if src == nil || dst == nil {
		return fmt.Errorf("%w: %s -> %s", ErrUnknownAccount, from, to)
	}

	first, second := src, dst
	if cmp.Less(to, from) {
		first, second = dst, src
	}
	first.mu.Lock()
	defer first.mu.Unlock()
	if second != first {
		second.mu.Lock()
		defer second.mu.Unlock()
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

// Balance returns the balance of an account, in cents. It takes only that
// account's lock, so it never waits for transfers between other wallets.
func (l *Ledger) Balance(name string) (int64, error) {
	a := l.accounts[name]
	if a == nil {
		return 0, fmt.Errorf("%w: %s", ErrUnknownAccount, name)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cents, nil
}
