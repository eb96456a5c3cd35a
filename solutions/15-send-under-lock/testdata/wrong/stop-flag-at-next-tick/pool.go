// Package health keeps the load balancer's pool of backends and checks each
// one in the background: a backend takes traffic only while its last check
// passed. Service discovery adds and removes backends while requests are
// being routed.
package health

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Checker probes a backend, for example with GET /healthz. A nil error means
// the backend is healthy.
type Checker interface {
	Check(ctx context.Context, addr string) error
}

// Ticks paces one backend's checks: it returns the channel that says when
// to check next, and a function that stops it.
type Ticks func() (tick <-chan time.Time, stop func())

// Every paces checks with a time.Ticker of period d.
func Every(d time.Duration) Ticks {
	return func() (<-chan time.Time, func()) {
		t := time.NewTicker(d)
		return t.C, t.Stop
	}
}

// Pool is the set of backends and their health. It is safe for concurrent
// use.
type Pool struct {
	checker Checker
	ticks   Ticks

	mu       sync.Mutex
	backends map[string]*backend
}

// backend is one address of the pool.
type backend struct {
	healthy bool          // its last check passed
	stopped bool          // set under p.mu: the monitor stops at its next tick
	done    chan struct{} // closed by the monitor when it has stopped
}

// New returns an empty pool that checks its backends with checker, paced by
// ticks.
func New(checker Checker, ticks Ticks) *Pool {
	return &Pool{checker: checker, ticks: ticks, backends: map[string]*backend{}}
}

// Add puts addr in the pool and starts checking it. A new backend takes no
// traffic until its first check passes. Add reports false if addr is in the
// pool already.
func (p *Pool) Add(addr string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.backends[addr]; ok {
		return false
	}
	b := &backend{done: make(chan struct{})}
	p.backends[addr] = b
	tick, stopTicks := p.ticks()
	go p.monitor(addr, b, tick, stopTicks)
	return true
}

// monitor checks addr at every tick and records the result, until it is
// told to stop.
func (p *Pool) monitor(addr string, b *backend, tick <-chan time.Time, stopTicks func()) {
	defer close(b.done)
	defer stopTicks()
	for range tick {
		p.mu.Lock()
		stopped := b.stopped
		p.mu.Unlock()
		if stopped {
			return
		}
		err := p.checker.Check(context.Background(), addr)
		p.mu.Lock()
		b.healthy = err == nil
		p.mu.Unlock()
	}
}

// Healthy returns the addresses that take traffic, sorted.
func (p *Pool) Healthy() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var addrs []string
	for addr, b := range p.backends {
		if b.healthy {
			addrs = append(addrs, addr)
		}
	}
	slices.Sort(addrs)
	return addrs
}

// Remove takes addr out of the pool and stops checking it: when Remove
// returns, no check of addr is running and none will start, so the backend
// can be shut down. Remove reports false if addr is not in the pool.
func (p *Pool) Remove(addr string) bool {
	p.mu.Lock()
	b, ok := p.backends[addr]
	delete(p.backends, addr) // found and removed under one lock: one caller wins
	if ok {
		b.stopped = true // no channel to block on: the monitor reads the flag
	}
	p.mu.Unlock()
	if !ok {
		return false
	}
	// Wait for the monitor without the lock: it may need the lock to record
	// the check it is finishing before it can see the stop.
	stopAndWait(b)
	return true
}

// stopAndWait stops b's monitor and waits until it has returned. The caller
// must not hold p.mu.
func stopAndWait(b *backend) {
	<-b.done
}

// Close removes every backend, as Remove does.
func (p *Pool) Close() {
	p.mu.Lock()
	var removed []*backend
	for addr, b := range p.backends {
		delete(p.backends, addr)
		b.stopped = true
		removed = append(removed, b)
	}
	p.mu.Unlock()
	for _, b := range removed {
		stopAndWait(b)
	}
}
