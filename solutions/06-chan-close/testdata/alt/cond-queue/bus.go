// Package bus is the in-process event bus of our order service. The
// checkout publishes an event for everything that happens to an order; the
// audit log, the e-mail sender and the warehouse each subscribe with a
// handler of their own. Publishers never wait for the handlers: events go
// into a queue, and one dispatcher goroutine hands them to every
// subscriber's feed.
//
// The queue is a slice under a mutex, with a sync.Cond to wake the
// dispatcher, so it has no channel to close. It never fills up: publishers
// never wait, and a slow subscriber makes the queue grow instead.
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
	dispatched chan struct{} // closed when dispatch has returned

	qmu    sync.Mutex
	ready  *sync.Cond // signalled when queued grows or closed is set
	queued []Event
	closed bool

	mu      sync.Mutex // guards subs and stopped, and every feed's sends and close
	subs    []*Subscription
	stopped bool
}

// Subscription is one subscriber's feed of events and the goroutine that
// runs its handler.
type Subscription struct {
	bus  *Bus
	feed chan Event    // dispatch -> the handler's goroutine
	done chan struct{} // closed when the handler's goroutine has returned
}

// New returns a running bus. Its queue has no bound; the argument is kept
// for the callers' sake.
func New(queue int) *Bus {
	b := &Bus{dispatched: make(chan struct{}), queued: make([]Event, 0, queue)}
	b.ready = sync.NewCond(&b.qmu)
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
		close(s.feed)
		return s
	}
	b.subs = append(b.subs, s)
	return s
}

// Publish queues ev for every subscriber. After Close it returns ErrClosed.
func (b *Bus) Publish(ev Event) error {
	b.qmu.Lock()
	defer b.qmu.Unlock()
	if b.closed {
		return ErrClosed
	}
	b.queued = append(b.queued, ev)
	b.ready.Signal()
	return nil
}

// next waits for the next queued event; ok is false once the bus is closed
// and the queue is empty.
func (b *Bus) next() (ev Event, ok bool) {
	b.qmu.Lock()
	defer b.qmu.Unlock()
	for len(b.queued) == 0 && !b.closed {
		b.ready.Wait()
	}
	if len(b.queued) == 0 {
		return Event{}, false
	}
	ev = b.queued[0]
	b.queued = b.queued[1:]
	return ev, true
}

// dispatch hands every queued event to every subscriber's feed, waiting
// for a slow subscriber rather than skipping it, and stops every
// subscription once the bus is closed and the queue drained.
func (b *Bus) dispatch() {
	defer close(b.dispatched)
	for {
		ev, ok := b.next()
		if !ok {
			break
		}
		b.mu.Lock()
		for _, s := range b.subs {
			s.feed <- ev
		}
		b.mu.Unlock()
	}
	b.mu.Lock()
	subs := b.subs
	b.subs, b.stopped = nil, true
	for _, s := range subs {
		close(s.feed)
	}
	b.mu.Unlock()
	for _, s := range subs {
		<-s.done
	}
}

// Unsubscribe stops the subscription and waits for its handler to return.
// Calling it again, or after Close, is harmless.
func (s *Subscription) Unsubscribe() {
	b := s.bus
	b.mu.Lock()
	if i := slices.Index(b.subs, s); i >= 0 {
		b.subs = slices.Delete(b.subs, i, i+1)
		close(s.feed)
	}
	b.mu.Unlock()
	<-s.done
}

// Close shuts the bus down: it refuses new events, delivers the queued
// ones, stops every subscription and waits for their handlers to return.
// Calling it again is harmless.
func (b *Bus) Close() {
	b.qmu.Lock()
	b.closed = true
	b.ready.Broadcast()
	b.qmu.Unlock()
	<-b.dispatched
}
