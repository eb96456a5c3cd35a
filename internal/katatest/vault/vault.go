// Package vault is a tiny stand-in for a kata's code under test, used by
// katatest's own tests: a Watch watches this package's frames, while the
// tests that drive it live in another package, as kata tests do.
package vault

import (
	"sync"
	"sync/atomic"
	"time"
)

// Vault counts coins behind one mutex.
type Vault struct {
	mu    sync.Mutex
	coins int
}

// Deposit adds a coin under the lock.
func (v *Vault) Deposit() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.coins++
}

// Coins returns the number of coins deposited.
func (v *Vault) Coins() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.coins
}

// Seize takes the lock and keeps it until Release: a holder that has gone.
func (v *Vault) Seize() { v.mu.Lock() }

// Release gives back the lock Seize took.
func (v *Vault) Release() { v.mu.Unlock() }

// HoldFor takes the lock, closes locked, and keeps the lock while it sleeps
// for d: a slow holder that is alive, not stuck.
func (v *Vault) HoldFor(d time.Duration, locked chan<- struct{}) {
	v.mu.Lock()
	defer v.mu.Unlock()
	close(locked)
	time.Sleep(d)
}

// Spin runs without ever parking until stop is set.
func (v *Vault) Spin(stop *atomic.Bool) {
	for !stop.Load() {
	}
}

// New returns an empty vault.
func New() *Vault { return &Vault{} }
