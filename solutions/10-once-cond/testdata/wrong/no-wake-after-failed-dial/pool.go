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
	cond    *sync.Cond // Put signals it; Close broadcasts it
	made    int        // connections dialed so far
	dialing bool       // a Get is dialing, without the lock
	idle    []*Conn
	closed  bool
}

// New returns a pool of size connections, which dial makes on first use.
func New(size int, dial func() (*Conn, error)) *Pool {
	p := &Pool{size: size, dial: dial}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// connect dials the connections the pool does not have yet. p.mu is held
// on entry and on return, but not during a dial: a slow database must not
// hold up Put and Close. One Get dials at a time; the others wait for it
// on the Cond. A failed dial is that Get's error, and the next Get tries
// again.
func (p *Pool) connect() error {
	for p.dialing {
		p.cond.Wait()
	}
	for p.made < p.size && !p.closed {
		p.dialing = true
		p.mu.Unlock()
		c, err := p.dial()
		p.mu.Lock()
		p.dialing = false
		if err != nil {
			return fmt.Errorf("pool: cannot reach the database: %w", err)
		}
		p.made++
		p.idle = append(p.idle, c)
		p.cond.Broadcast() // a connection: the others may take it
	}
	return nil
}

// Get returns an idle connection, waiting for one if every connection is
// in use. Once the pool is closed it returns ErrClosed.
func (p *Pool) Get() (*Conn, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, ErrClosed
	}
	if err := p.connect(); err != nil {
		return nil, err
	}
	// Wait returns when someone signalled, which is not the same as "there
	// is a connection for me": another request may have taken it first, or
	// the pool closed. Look again every time.
	for len(p.idle) == 0 && !p.closed {
		p.cond.Wait()
	}
	if p.closed {
		return nil, ErrClosed
	}
	c := p.idle[len(p.idle)-1]
	p.idle = p.idle[:len(p.idle)-1]
	return c, nil
}

// Put gives a connection back to the pool.
func (p *Pool) Put(c *Conn) {
	p.mu.Lock()
	p.idle = append(p.idle, c)
	p.mu.Unlock()
	p.cond.Broadcast() // every waiter looks; the loop in Get sends the losers back to sleep
}

// Close closes the pool: every Get waiting for a connection, and every Get
// after it, returns ErrClosed.
func (p *Pool) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.cond.Broadcast() // every waiter must see it, not one
}
