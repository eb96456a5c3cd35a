// Package bus is the in-process event bus of our order service. The
// checkout publishes an event for everything that happens to an order; the
// audit log, the e-mail sender and the warehouse each subscribe with a
// handler of their own. Publishers never wait for the handlers: events go
// through a queue, and one dispatcher goroutine hands them to every
// subscriber's feed.
//
// The dispatcher owns the subscriptions: it alone sends on a feed or closes
// it. Subscribe and Unsubscribe ask it to, over channels, or find it gone.
package bus

import (
	"errors"
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
	queue      chan Event         // Publish -> dispatch; closed by Close
	join       chan *Subscription // Subscribe -> dispatch
	leave      chan *Subscription // Unsubscribe -> dispatch
	dispatched chan struct{}      // closed when dispatch has returned

	pub    sync.RWMutex // Publish holds it to read, Close to write
	closed bool         // guarded by pub
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
	b := &Bus{
		queue:      make(chan Event, queue),
		join:       make(chan *Subscription),
		leave:      make(chan *Subscription),
		dispatched: make(chan struct{}),
	}
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
	select {
	case b.join <- s:
	case <-b.dispatched:
		close(s.feed) // the dispatcher is gone: the feed is ours
	}
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
	b.queue <- ev
	return nil
}

// dispatch owns the subscriptions: it adds and removes them, hands every
// queued event to each of them, and stops them all once the queue is closed
// and drained.
func (b *Bus) dispatch() {
	defer close(b.dispatched)
	subs := map[*Subscription]bool{}
	var order []*Subscription // delivery order: oldest subscription first
	for {
		select {
		case s := <-b.join:
			subs[s] = true
			order = append(order, s)
		case s := <-b.leave:
			if subs[s] {
				delete(subs, s)
				close(s.feed)
			}
		case ev, ok := <-b.queue:
			if !ok {
				for _, s := range order {
					if subs[s] {
						close(s.feed)
					}
				}
				for _, s := range order {
					<-s.done
				}
				return
			}
			live := order[:0]
			for _, s := range order {
				if subs[s] {
					s.feed <- ev
					live = append(live, s)
				}
			}
			order = live
		}
	}
}

// Unsubscribe stops the subscription and waits for its handler to return.
// The handler still gets the events already in its feed. Calling it again,
// or after Close, is harmless.
func (s *Subscription) Unsubscribe() {
	select {
	case s.bus.leave <- s:
	case <-s.bus.dispatched:
	}
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
