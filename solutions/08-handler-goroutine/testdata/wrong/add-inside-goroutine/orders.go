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

	stopping context.Context    // done once Shutdown stops waiting
	stop     context.CancelFunc // cancels stopping

	mu     sync.Mutex // guards closed, and orders wg.Add before wg.Wait
	closed bool       // Shutdown has begun: no new background work
	wg     sync.WaitGroup
}

// New returns a Service that audits orders in audit and confirms them
// through mail.
func New(audit AuditLog, mail Mailer) *Service {
	stopping, stop := context.WithCancel(context.Background())
	return &Service{audit: audit, mail: mail, stopping: stopping, stop: stop}
}

// ServeHTTP takes an order, answers 202 Accepted, and audits and confirms
// the order in the background.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var o Order
	if err := json.NewDecoder(r.Body).Decode(&o); err != nil || o.ID == "" {
		http.Error(w, "malformed order", http.StatusBadRequest)
		return
	}
	// The work outlives the request: keep the request's values (its ID),
	// but not its cancellation, which comes as soon as we return.
	ctx := context.WithoutCancel(r.Context())
	started := s.background(ctx,
		func(ctx context.Context) { s.record(ctx, o) },
		func(ctx context.Context) { s.confirm(ctx, o) },
	)
	if !started {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// background runs each job on a goroutine that Shutdown waits for. A job's
// context carries ctx's values and is cancelled if Shutdown stops waiting.
// Once Shutdown has begun, background starts nothing and returns false.
func (s *Service) background(ctx context.Context, jobs ...func(context.Context)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	for _, job := range jobs {
		go func() {
			s.wg.Add(1)
			defer s.wg.Done()
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			defer context.AfterFunc(s.stopping, cancel)()
			job(ctx)
		}()
	}
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
	s.mu.Lock()
	s.closed = true // from now on, background adds nothing to wg
	s.mu.Unlock()
	defer s.stop()

	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.stop() // cancel what is still running ...
		<-done   // ... and wait for it to return
		return ctx.Err()
	}
}
