// Package orders is the HTTP front of our order service. POST /orders takes
// an order and answers 202 Accepted at once; the audit entry and the
// confirmation e-mail are written in the background, so that a slow audit
// store or mail relay never slows the checkout down.
package orders

import (
	"context"
	"encoding/json"
	"log"
	"net/http"
	"sync"
)

// Order is one customer order.
type Order struct {
	ID       string `json:"id"`
	Customer string `json:"customer"`
	Total    int    `json:"total"` // in cents
}

// Entry is one line of the audit log.
type Entry struct {
	RequestID string // the request that placed the order, for tracing
	OrderID   string
	Action    string // "placed"
}

// AuditLog is the remote store of the audit log. Like any remote call,
// Record gives up once ctx is done and returns ctx's error.
type AuditLog interface {
	Record(ctx context.Context, e Entry) error
}

// Mailer sends the confirmation e-mail through our mail relay. Confirm gives
// up once ctx is done, too.
type Mailer interface {
	Confirm(ctx context.Context, o Order) error
}

// requestIDKey is the context key of the request's ID.
type requestIDKey struct{}

// WithRequestID returns ctx carrying id, the ID of the request being
// served. Our middleware gives every request one, for tracing.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request ID that WithRequestID put in ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// Service serves POST /orders. It owns the goroutines that do an order's
// background work: Shutdown waits for them, or cancels them.
type Service struct {
	audit AuditLog
	mail  Mailer

	mu      sync.Mutex
	idle    *sync.Cond                 // signalled when running drops to zero
	closed  bool                       // Shutdown has begun: no new background work
	running map[int]context.CancelFunc // the orders under way, by number
	next    int                        // the next order's number
}

// New returns a Service that audits orders in audit and confirms them
// through mail.
func New(audit AuditLog, mail Mailer) *Service {
	s := &Service{audit: audit, mail: mail, running: map[int]context.CancelFunc{}}
	s.idle = sync.NewCond(&s.mu)
	return s
}

// ServeHTTP takes an order, answers 202 Accepted, and audits and confirms
// the order in the background.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var o Order
	if err := json.NewDecoder(r.Body).Decode(&o); err != nil || o.ID == "" {
		http.Error(w, "malformed order", http.StatusBadRequest)
		return
	}
	// One goroutine per order does its work, in order. Its context keeps
	// the request's values (its ID) but not its cancellation, and Shutdown
	// can cancel it.
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	if !s.start(cancel, func() {
		s.record(ctx, o)
		s.confirm(ctx, o)
	}) {
		cancel()
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// start runs work on a goroutine of its own and keeps cancel until the
// work is done, for Shutdown. Once Shutdown has begun, it starts nothing
// and returns false.
func (s *Service) start(cancel context.CancelFunc, work func()) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	id := s.next
	s.next++
	s.running[id] = cancel
	go func() {
		work()
		s.mu.Lock()
		defer s.mu.Unlock()
		cancel()
		delete(s.running, id)
		if len(s.running) == 0 {
			s.idle.Broadcast()
		}
	}()
	return true
}

// record writes the order's audit entry.
func (s *Service) record(ctx context.Context, o Order) {
	e := Entry{RequestID: RequestID(ctx), OrderID: o.ID, Action: "placed"}
	if err := s.audit.Record(ctx, e); err != nil {
		log.Printf("orders: audit entry for %s: %v", o.ID, err)
	}
}

// confirm sends the order's confirmation e-mail.
func (s *Service) confirm(ctx context.Context, o Order) {
	if err := s.mail.Confirm(ctx, o); err != nil {
		log.Printf("orders: confirmation of %s: %v", o.ID, err)
	}
}

// Shutdown is called once http.Server.Shutdown has returned. It waits until
// the background work of every order is done, and then returns nil. If ctx
// is done first, it cancels the work still running, waits for it to
// return, and returns ctx's error. Orders placed after Shutdown has begun
// are refused with 503 Service Unavailable.
func (s *Service) Shutdown(ctx context.Context) error {
	// When ctx is done, cancel every order still under way and wake the
	// wait below.
	stop := context.AfterFunc(ctx, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, cancel := range s.running {
			cancel()
		}
		s.idle.Broadcast()
	})
	defer stop()

	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for len(s.running) > 0 {
		s.idle.Wait() // woken by the last order's end, or by ctx
		if ctx.Err() != nil {
			for _, cancel := range s.running {
				cancel() // also those that AfterFunc did not see yet
			}
		}
	}
	return ctx.Err()
}
