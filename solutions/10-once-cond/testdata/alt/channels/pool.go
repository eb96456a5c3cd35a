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

	mu   sync.Mutex // guards made; held while dialing
	made int        // connections dialed so far

	idle      chan *Conn    // the idle connections; room for all of them
	done      chan struct{} // closed by the first Close
	closeOnce sync.Once
}

// New returns a pool of size connections, which dial makes on first use.
func New(size int, dial func() (*Conn, error)) *Pool {
	return &Pool{size: size, dial: dial, idle: make(chan *Conn, size), done: make(chan struct{})}
}

// connect dials the connections the pool does not have yet. A failed dial
// is this Get's error; the next Get dials the missing connections.
func (p *Pool) connect() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.made < p.size {
		c, err := p.dial()
		if err != nil {
			return fmt.Errorf("pool: cannot reach the database: %w", err)
		}
		p.made++
		p.idle <- c // never blocks: idle has room for every connection
	}
	return nil
}

// Get returns an idle connection, waiting for one if every connection is
// in use. Once the pool is closed it returns ErrClosed.
func (p *Pool) Get() (*Conn, error) {
	select {
	case <-p.done:
		return nil, ErrClosed
	default:
	}
	if err := p.connect(); err != nil {
		return nil, err
	}
	select {
	case c := <-p.idle:
		return c, nil
	case <-p.done: // a closed channel wakes every receiver
		return nil, ErrClosed
	}
}

// Put gives a connection back to the pool.
func (p *Pool) Put(c *Conn) {
	p.idle <- c
}

// Close closes the pool: every Get waiting for a connection, and every Get
// after it, returns ErrClosed.
func (p *Pool) Close() {
	p.closeOnce.Do(func() { close(p.done) })
}
