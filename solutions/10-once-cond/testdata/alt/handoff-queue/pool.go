// Package pool is the database connection pool of our order service. The
// service starts before the database is always reachable (they are deployed
// together), so the pool dials its connections on first use, not at start.
// A request takes a connection with Get and gives it back with Put; when
// every connection is out, Get waits for one.
package pool

import (
	"errors"
	"fmt"
	"sync"
)

// ErrClosed is what Get returns once the pool is closed.
var ErrClosed = errors.New("pool: closed")

// Conn is one connection to the database.
type Conn struct {
	ID int // the dialer numbers its connections 1, 2, 3, ...
}

// Pool hands out a fixed number of database connections.
type Pool struct {
	size int
	dial func() (*Conn, error)

	mu      sync.Mutex
	made    int          // connections dialed so far
	idle    []*Conn      // connections nobody waits for
	waiters []chan *Conn // Gets waiting for a connection, first come first served
	closed  bool
}

// New returns a pool of size connections, which dial makes on first use.
func New(size int, dial func() (*Conn, error)) *Pool {
	return &Pool{size: size, dial: dial}
}

// connect dials the connections the pool does not have yet; p.mu is held.
// A failed dial is an error for this Get, not a state of the pool: the
// connections made so far stay, and the next Get dials the missing ones.
func (p *Pool) connect() error {
	for p.made < p.size {
		c, err := p.dial()
		if err != nil {
			return fmt.Errorf("pool: cannot reach the database: %w", err)
		}
		p.made++
		p.idle = append(p.idle, c)
	}
	return nil
}

// Get returns an idle connection, waiting for one if every connection is
// in use. Once the pool is closed it returns ErrClosed.
func (p *Pool) Get() (*Conn, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, ErrClosed
	}
	if err := p.connect(); err != nil {
		p.mu.Unlock()
		return nil, err
	}
	if n := len(p.idle); n > 0 {
		c := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return c, nil
	}
	// Every connection is out: queue up. Put hands a connection straight
	// to the first in the queue; Close closes every queued channel.
	ch := make(chan *Conn, 1)
	p.waiters = append(p.waiters, ch)
	p.mu.Unlock()
	c, ok := <-ch
	if !ok {
		return nil, ErrClosed
	}
	return c, nil
}

// Put gives a connection back to the pool, or straight to the request that
// has waited longest for one.
func (p *Pool) Put(c *Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.waiters) > 0 {
		w := p.waiters[0]
		p.waiters = p.waiters[1:]
		w <- c // room for one: never blocks
		return
	}
	p.idle = append(p.idle, c)
}

// Close closes the pool: every Get waiting for a connection, and every Get
// after it, returns ErrClosed.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.closed = true
	for _, w := range p.waiters {
		close(w) // a waiter whose channel is closed returns ErrClosed
	}
	p.waiters = nil
}
