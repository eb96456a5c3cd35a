// Package bus is the in-process event bus of our order service. The
// checkout publishes an event for everything that happens to an order; the
// audit log, the e-mail sender and the warehouse each subscribe with a
// handler of their own. Publishers never wait for the handlers: events go
// through a queue, and one dispatcher goroutine hands them to every
// subscriber's feed.
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
	queue chan Event // Publish -> dispatch

	mu   sync.Mutex
	subs []*Subscription
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
	b := &Bus{queue: make(chan Event, queue)}
	go b.dispatch()
	return b
}

// Subscribe calls handle with every event published from now on, in order,
// on a goroutine of the subscription's own. Up to buffer events wait for a
// slow handler.
func (b *Bus) Subscribe(buffer int, handle func(Event)) *Subscription {
	s := &Subscription{bus: b, feed: make(chan Event, buffer), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for ev := range s.feed {
			handle(ev)
		}
	}()
	b.mu.Lock()
	b.subs = append(b.subs, s)
	b.mu.Unlock()
	return s
}

// Publish queues ev for every subscriber. After Close it returns ErrClosed.
func (b *Bus) Publish(ev Event) error {
	b.queue <- ev
	return nil
}

// dispatch hands every queued event to every subscriber's feed.
func (b *Bus) dispatch() {
	for ev := range b.queue {
		b.mu.Lock()
		for _, s := range b.subs {
			select {
			case s.feed <- ev:
			default:
				// This subscriber is behind: skip it rather than hold
				// up everyone else.
			}
		}
		b.mu.Unlock()
	}
}

// Unsubscribe stops the subscription and waits for its handler to return.
func (s *Subscription) Unsubscribe() {
	s.bus.mu.Lock()
	s.bus.subs = slices.DeleteFunc(s.bus.subs, func(o *Subscription) bool { return o == s })
	s.bus.mu.Unlock()
	close(s.feed)
	<-s.done
}

// Close shuts the bus down: it stops every subscription and waits for their
// handlers to return.
func (b *Bus) Close() {
	b.mu.Lock()
	subs := slices.Clone(b.subs)
	b.mu.Unlock()
	for _, s := range subs {
		close(s.feed)
		<-s.done
	}
}
