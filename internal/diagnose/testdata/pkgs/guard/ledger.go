// Package guard blocks for good on a mutex, for the diagnosis fixtures.
package guard

import "sync"

// Ledger is a balance behind a mutex.
type Ledger struct {
	mu      sync.Mutex
	balance int
}

// Withdraw forgets to unlock on the error path.
func (l *Ledger) Withdraw(n int) bool {
	l.mu.Lock()
	if n > l.balance {
		return false
	}
	l.balance -= n
	l.mu.Unlock()
	return true
}
