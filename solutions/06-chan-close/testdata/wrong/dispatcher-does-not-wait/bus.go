// Package bus is the in-process event bus of our order service. The
// checkout publishes an event for everything that happens to an order; the
// audit log, the e-mail sender and the warehouse each subscribe with a
// handler of their own. Publishers never wait for the handlers: events go
// through a queue, and one dispatcher goroutine hands them to every
// subscriber's feed.
//
// Who closes what: Close closes the queue, once, and only while no Publish
// can be sending on it; the dispatcher closes a subscriber's feed, or
// Unsubscribe does, whichever takes the subscription out of subs first, and
// both send on or close a feed only while holding mu.
package bus

import (
	"errors"
	"slices"
	"sync"
)

// ErrClosed is what Publish returns once the bus is closed.
var ErrClosed = errors.New("bus: closed")

// Event is one thing that happened to an order.
type Event struct {
	Order string // the order's ID
	Kind  string // "placed", "paid", "shipped", ...
	Seq   int    // the checkout numbers its events 1, 2, 3, ...
}

// Bus delivers every published event to every subscriber.
type Bus struct {
	queue      chan Event    // Publish -> dispatch; closed by Close
	dispatched chan struct{} // closed when dispatch has returned

	pub    sync.RWMutex // Publish holds it to read, Close to write
	closed bool         // guarded by pub

	mu      sync.Mutex // guards subs and stopped, and every feed's sends and close
	subs    []*Subscription
	stopped bool // dispatch has stopped every subscription
}

// Subscription is one subscriber's feed of events and the goroutine that
// runs its handler.
type Subscription struct {
	bus  *Bus
	feed chan Event    // dispatch -> the handler's goroutine
	done chan struct{} // closed when the handler's goroutine has returned
}

// New returns a running bus whose queue holds up to queue events.
func New(queue int) *Bus {
	b := &Bus{queue: make(chan Event, queue), dispatched: make(chan struct{})}
	go b.dispatch()
	return b
}

// Subscribe calls handle with every event published from now on, in order,
// on a goroutine of the subscription's own. Up to buffer events wait for a
// slow handler. A subscription made after Close is stopped already.
func (b *Bus) Subscribe(buffer int, handle func(Event)) *Subscription {
	s := &Subscription{bus: b, feed: make(chan Event, buffer), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for ev := range s.feed {
			handle(ev)
		}
	}()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopped {
		close(s.feed) // nobody else ever will
		return s
	}
	b.subs = append(b.subs, s)
	return s
}

// Publish queues ev for every subscriber; it waits while the queue is full.
// After Close it returns ErrClosed.
func (b *Bus) Publish(ev Event) error {
	b.pub.RLock()
	defer b.pub.RUnlock()
	if b.closed {
		return ErrClosed
	}
	b.queue <- ev // Close cannot close the queue while we hold pub
	return nil
}

// dispatch hands every queued event to every subscriber's feed, waiting
// for a slow subscriber rather than skipping it. Once Close has closed the
// queue and every queued event is handed out, it stops every subscription.
func (b *Bus) dispatch() {
	defer close(b.dispatched)
	for ev := range b.queue {
		b.mu.Lock()
		for _, s := range b.subs {
			s.feed <- ev // under mu: Unsubscribe cannot close it meanwhile
		}
		b.mu.Unlock()
	}
	b.mu.Lock()
	subs := b.subs
	b.subs, b.stopped = nil, true
	for _, s := range subs {
		close(s.feed) // each handler ends once it has drained its feed
	}
	b.mu.Unlock()
}

// Unsubscribe stops the subscription and waits for its handler to return.
// The handler still gets the events already in its feed. Calling it again,
// or after Close, is harmless.
func (s *Subscription) Unsubscribe() {
	b := s.bus
	b.mu.Lock()
	if i := slices.Index(b.subs, s); i >= 0 {
		b.subs = slices.Delete(b.subs, i, i+1)
		close(s.feed) // taken out of subs by us: nobody else closes it
	}
	b.mu.Unlock()
	<-s.done
}

// Close shuts the bus down: it refuses new events, delivers the queued
// ones, stops every subscription and waits for their handlers to return.
// Calling it again is harmless.
func (b *Bus) Close() {
	b.pub.Lock()
	if !b.closed {
		b.closed = true
		close(b.queue)
	}
	b.pub.Unlock()
	<-b.dispatched
}
