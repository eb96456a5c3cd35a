package pool_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/katatest"
	pool "github.com/gokatas/concurrency/katas/10-once-cond"
)

// How the tests wait: every request runs on a goroutine of its own, as the
// HTTP server runs it, and the tests never use a clock. katatest.WaitIdle
// returns once every goroutine of the test binary is blocked (the waiting
// requests are parked in Get); katatest.Returns fails with a "deadlock
// guard:" message as soon as a request is blocked and nothing is left to
// wake it.

// errDown is what the fake database's dialer returns while it is down.
var errDown = errors.New("dial tcp 10.0.0.7:5432: connect: connection refused")

// TestFirstGetDials: the pool dials on first use, not in New, and hands out
// each of its connections once.
func TestFirstGetDials(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	db := &database{}
	p := pool.New(2, db.dial)
	assert.Zero(t, db.dials(), "dials made by New: the database may not be up yet")

	first := start(p, "the first request")
	second := start(p, "the second request")
	if !first.ok(t) || !second.ok(t) {
		return
	}
	assert.NotEqual(t, first.conn.ID, second.conn.ID, "two requests got the same connection")
	assert.Equal(t, 2, db.dials(), "dials for a pool of two")
	closePool(t, p)
}

// TestDatabaseDown starts the service while the database is down: the first
// request's Get cannot dial. It must say so with an error (a panic is not an
// answer: every request after it runs into what it leaves behind). The
// requests after it must get an answer too: a connection once the database
// is back, or an error; never nothing, and never a wait for ever. Whatever
// happens, the pool never makes more connections than its size.
func TestDatabaseDown(t *testing.T) {
	tests := []struct {
		name      string
		upFirst   int // how many dials succeed before the database goes down
		downDials int // how many dials fail then, before the database answers again
	}{
		{name: "the database comes back", downDials: 1},
		{name: "the database stays down", downDials: 1000},
		{name: "the database goes down after one connection, and comes back", upFirst: 1, downDials: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

			db := newDatabase(t, tt.downDials)
			db.upFirst = tt.upFirst
			p := pool.New(2, db.dial)

			first := start(p, "the first request")
			if !katatest.Returns(t, "the first request's Get", first.done) {
				return
			}
			if first.noPanic(t) {
				assert.ErrorIs(t, first.err, errDown, "the first request's Get, with the database down")
				assert.Nil(t, first.conn, "a connection handed out with a failed dial")
			}

			for i := 2; i <= 3; i++ {
				r := start(p, fmt.Sprintf("request %d, after the failed dial", i))
				if !r.answered(t) {
					return
				}
				if r.err == nil {
					assert.NotNil(t, r.conn, "request %d: Get returned no connection and no error", i)
					assert.Equal(t, 1, tt.downDials, "request %d got a connection from a database that is down", i)
					continue
				}
				assert.ErrorIs(t, r.err, errDown, "request %d: the error says why there is no connection", i)
			}
			assert.LessOrEqual(t, db.dials(), 2, "connections made for a pool of two: a dial that failed halfway must not dial again the ones it made")
			closePool(t, p)
		})
	}
}

// TestConcurrentFirstRequests: two requests arrive at once on a fresh pool.
// The dialer holds the first dial until both requests have got as far as
// they can. With the database up, both get a connection, and the pool dials
// each of its connections once; with the database down, both get the error.
func TestConcurrentFirstRequests(t *testing.T) {
	tests := []struct {
		name      string
		downDials int
	}{
		{name: "the database is up"},
		{name: "the database is down", downDials: 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

			db := newDatabase(t, tt.downDials)
			db.gate = &katatest.Gate{}
			p := pool.New(2, db.dial)
			a := start(p, "request A")
			b := start(p, "request B")
			katatest.WaitIdle(t, "two first requests")
			db.gate.Open()
			if tt.downDials > 0 {
				for _, r := range []*request{a, b} {
					if r.answered(t) {
						assert.ErrorIs(t, r.err, errDown, "%s, with the database down", r.name)
					}
				}
				closePool(t, p)
				return
			}
			if !a.ok(t) || !b.ok(t) {
				return
			}
			assert.NotEqual(t, a.conn.ID, b.conn.ID, "two requests got the same connection")
			assert.Equal(t, 2, db.dials(), "dials for a pool of two")
			closePool(t, p)
		})
	}
}

// TestPutWakesAWaiter: the only connection of a pool of one is out, and two
// requests wait for it. The connection comes back: exactly one of them gets it,
// and the other goes on waiting, until the pool closes.
func TestPutWakesAWaiter(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	p := pool.New(1, (&database{}).dial)
	held := start(p, "the request that takes the only connection")
	if !held.ok(t) {
		return
	}
	waiters := []*request{start(p, "waiting request 1"), start(p, "waiting request 2")}
	katatest.WaitIdle(t, "two requests waiting for a connection")
	p.Put(held.conn)
	katatest.WaitIdle(t, "the requests after Put")

	var served, waiting []*request
	for _, w := range waiters {
		if w.returned() {
			served = append(served, w)
		} else {
			waiting = append(waiting, w)
		}
	}
	for _, w := range served {
		w.noPanic(t)
	}
	require.Len(t, served, 1, "requests that got an answer after one connection came back")
	assert.NoError(t, served[0].err, "the request that was woken")
	assert.Same(t, held.conn, served[0].conn, "the woken request gets the connection that came back")

	closePool(t, p)
	if waiting[0].answered(t) {
		assert.ErrorIs(t, waiting[0].err, pool.ErrClosed, "the request still waiting when the pool closed")
	}
}

// TestCloseWakesEveryWaiter shuts the service down while requests wait for
// a connection: every one of them gets ErrClosed, and so does a request
// after Close. Our shutdown calls Close twice (main defers it, and the
// signal handler calls it).
func TestCloseWakesEveryWaiter(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	p := pool.New(1, (&database{}).dial)
	if !start(p, "the request that takes the only connection").ok(t) {
		return
	}
	waiters := []*request{start(p, "waiting request 1"), start(p, "waiting request 2"), start(p, "waiting request 3")}
	katatest.WaitIdle(t, "three requests waiting for a connection")
	closePool(t, p)
	closePool(t, p)
	for _, w := range waiters {
		if w.answered(t) {
			assert.ErrorIs(t, w.err, pool.ErrClosed, "%s, when the pool closed", w.name)
		}
	}
	if late := start(p, "a request after Close"); late.answered(t) {
		assert.ErrorIs(t, late.err, pool.ErrClosed, "a request after Close")
	}
}

// TestCloseBeforeFirstGet: the service shuts down before its first request
// (a deploy rolled back at once, the database up or not). A request that
// comes after Close gets ErrClosed, and the pool does not dial the database
// for it: nobody would ever give those connections back.
func TestCloseBeforeFirstGet(t *testing.T) {
	tests := []struct {
		name      string
		downDials int
	}{
		{name: "the database is up"},
		{name: "the database is down", downDials: 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

			db := newDatabase(t, tt.downDials)
			p := pool.New(2, db.dial)
			closePool(t, p)
			if late := start(p, "a request after Close"); late.answered(t) {
				assert.ErrorIs(t, late.err, pool.ErrClosed, "a request after Close")
			}
			assert.Zero(t, db.attempts(), "dials tried for a pool that was closed before its first request")
		})
	}
}

// request is one request's call of Get, on a goroutine of its own. A panic
// on it is recovered, as net/http recovers a panicking handler (and as our
// recover middleware does, answering 500), so that the test can report it.
type request struct {
	name     string
	done     <-chan struct{}
	conn     *pool.Conn
	err      error
	panicked any
}

// start starts a request's Get and returns at once; answered and ok wait
// for it.
func start(p *pool.Pool, name string) *request {
	r := &request{name: name}
	r.done = katatest.Start(func() {
		defer func() { r.panicked = recover() }()
		r.conn, r.err = p.Get()
	})
	return r
}

// returned reports, without waiting, whether the request's Get has returned.
func (r *request) returned() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// answered waits for the request's Get to return and checks that it did not
// panic.
func (r *request) answered(t *testing.T) bool {
	t.Helper()
	if !katatest.Returns(t, r.name+"'s Get", r.done) {
		return false
	}
	return r.noPanic(t)
}

// noPanic checks that the returned Get did not panic.
func (r *request) noPanic(t *testing.T) bool {
	t.Helper()
	if r.panicked != nil {
		return assert.Fail(t, r.name+": Get panicked", "%v\n\nThe server's middleware recovers it and answers 500; whatever the panic left half done stays that way for every later request.", r.panicked)
	}
	return true
}

// ok checks that the request got a connection.
func (r *request) ok(t *testing.T) bool {
	t.Helper()
	return r.answered(t) && assert.NoError(t, r.err, r.name) && assert.NotNil(t, r.conn, r.name)
}

// closePool closes the pool under the deadlock guard.
func closePool(t *testing.T, p *pool.Pool) {
	t.Helper()
	katatest.Completes(t, "Close", p.Close)
}

// database is a fake database: dial numbers its connections and fails
// while the database is down (after upFirst dials that succeed, for
// downDials dials). With a gate, every dial waits at it first.
type database struct {
	upFirst   int
	downDials int
	gate      *katatest.Gate

	mu sync.Mutex
	n  int // dials made, failed ones included
	up int // connections made
}

// newDatabase returns a fake database whose first downDials dials fail.
// When the test ends the database comes up, so that a pool still trying to
// dial stops, instead of keeping the later tests' goroutines company.
func newDatabase(t *testing.T, downDials int) *database {
	db := &database{downDials: downDials}
	t.Cleanup(func() {
		db.mu.Lock()
		db.downDials = 0
		db.mu.Unlock()
	})
	return db
}

func (db *database) dial() (*pool.Conn, error) {
	if db.gate != nil {
		db.gate.Enter()
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	db.n++
	if db.n > db.upFirst && db.n <= db.upFirst+db.downDials {
		return nil, errDown
	}
	db.up++
	return &pool.Conn{ID: db.up}, nil
}

// attempts returns how many dials the pool has tried, failed ones included.
func (db *database) attempts() int {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.n
}

// dials returns how many connections the database has made.
func (db *database) dials() int {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.up
}
