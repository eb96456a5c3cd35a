package orders_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/katatest"
	orders "github.com/gokatas/concurrency/katas/08-handler-goroutine"
)

// How the tests wait: the fake audit store and mail relay hold every call
// until the test releases them (or until the call's context is done, as a
// real remote call would), so the test decides when the background work
// ends. katatest.WaitIdle returns once every goroutine is blocked: the
// service has done all it can without the test. A call started with
// katatest.Go fails its Wait with a "deadlock guard:" message as soon as it
// is blocked with nothing left to wake it. None of them uses a clock, so a
// loaded machine changes nothing.
// Each test closes its server before its leak check runs.

// TestPlaceOrder places orders, waits until each request is over, and shuts
// the service down while the audit store and the mail relay are still busy.
// Shutdown must wait for them, and every order must end up audited (with
// its request's ID) and confirmed.
func TestPlaceOrder(t *testing.T) {
	tests := []struct {
		name   string
		orders []orders.Order
	}{
		{"one order", []orders.Order{{ID: "A-1001", Customer: "ada", Total: 4200}}},
		{"three orders", []orders.Order{
			{ID: "A-1001", Customer: "ada", Total: 4200},
			{ID: "A-1002", Customer: "grace", Total: 1999},
			{ID: "A-1003", Customer: "ada", Total: 500},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

			audit, mail := newRemote("audit store", held), newRemote("mail relay", held)
			svc := orders.New(audit, mail)
			srv := newServer(t, svc, audit, mail)
			defer srv.close()

			var want []orders.Entry
			var ids []string
			for i, o := range tt.orders {
				if !srv.placeAndFinish(t, o, http.StatusAccepted) {
					return
				}
				want = append(want, orders.Entry{RequestID: requestID(i + 1), OrderID: o.ID, Action: "placed"})
				ids = append(ids, o.ID)
			}

			var err error
			shut := katatest.Go("Shutdown", func() { err = svc.Shutdown(context.Background()) })
			katatest.WaitIdle(t, "Shutdown while the audit store and the mail relay are busy")
			if shut.Returned() {
				assert.Fail(t, "Shutdown returned while audit entries and e-mails were still being written",
					"the deploy would stop the process here, and they would be lost")
			}
			audit.release()
			mail.release()
			if !shut.Wait(t) {
				return
			}
			assert.NoError(t, err, "Shutdown")
			assert.ElementsMatch(t, want, audit.entries(), "the audit log (each entry with the ID of the request that placed the order)")
			assert.ElementsMatch(t, ids, mail.orderIDs(), "the orders confirmed by e-mail")
			assert.ElementsMatch(t, requestIDs(len(tt.orders)), mail.requestIDs(), "the request IDs the mail relay saw, for tracing")
		})
	}
}

// TestShutdownGivesUp: the mail relay hangs. Shutdown waits for it until its
// own context is done, then cancels the confirmation still under way, waits
// for it to return, and returns the context's error. No goroutine is left
// behind. The relay takes a moment to give up (it closes its connection),
// which the test holds until it has checked that Shutdown is still waiting.
func TestShutdownGivesUp(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	audit, mail := newRemote("audit store", open), newRemote("mail relay", hangs)
	svc := orders.New(audit, mail)
	srv := newServer(t, svc, audit, mail)
	defer srv.close()

	if !srv.placeAndFinish(t, orders.Order{ID: "A-1001", Customer: "ada", Total: 4200}, http.StatusAccepted) {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var err error
	shut := katatest.Go("Shutdown after its context was cancelled", func() { err = svc.Shutdown(ctx) })
	katatest.WaitIdle(t, "Shutdown while the mail relay hangs")
	if shut.Returned() {
		assert.Fail(t, "Shutdown returned while the e-mail was still being sent, before its context was done")
	}
	cancel() // the deploy's grace period is over
	katatest.WaitIdle(t, "Shutdown while the cancelled e-mail gives up")
	if shut.Returned() {
		assert.Fail(t, "Shutdown returned before the cancelled e-mail had returned",
			"the process exits here, with the relay call still running")
	}
	mail.release() // the relay call has given up
	if !shut.Wait(t) {
		return
	}
	assert.ErrorIs(t, err, context.Canceled, "Shutdown's error once its context is done")
	assert.Equal(t, 1, mail.cancelled(), "confirmations cancelled by Shutdown: the hanging call must be told to stop")
	assert.Len(t, audit.entries(), 1, "the audit log")
}

// TestOrderAfterShutdown: an order placed once Shutdown has begun is refused
// with 503 Service Unavailable, and nothing is started for it.
func TestOrderAfterShutdown(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	audit, mail := newRemote("audit store", held), newRemote("mail relay", held)
	svc := orders.New(audit, mail)
	srv := newServer(t, svc, audit, mail)
	defer srv.close()

	var err error
	if !katatest.Completes(t, "Shutdown", func() { err = svc.Shutdown(context.Background()) }) {
		return
	}
	require.NoError(t, err, "Shutdown")
	if !srv.placeAndFinish(t, orders.Order{ID: "A-1001", Customer: "ada", Total: 4200}, http.StatusServiceUnavailable) {
		return
	}
	katatest.WaitIdle(t, "the service after a late order")
	assert.Zero(t, audit.calls(), "audit entries started after Shutdown")
	assert.Zero(t, mail.calls(), "e-mails started after Shutdown")
}

// TestOrderDuringShutdown: an order arrives while Shutdown waits for the
// work of an earlier one (a load balancer that has not yet taken the
// instance out). It is refused with 503 Service Unavailable and nothing is
// started for it; the earlier order is still audited and confirmed.
func TestOrderDuringShutdown(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	audit, mail := newRemote("audit store", held), newRemote("mail relay", held)
	svc := orders.New(audit, mail)
	srv := newServer(t, svc, audit, mail)
	defer srv.close()

	if !srv.placeAndFinish(t, orders.Order{ID: "A-1001", Customer: "ada", Total: 4200}, http.StatusAccepted) {
		return
	}
	var err error
	shut := katatest.Go("Shutdown", func() { err = svc.Shutdown(context.Background()) })
	katatest.WaitIdle(t, "Shutdown while the audit store and the mail relay are busy")
	if !srv.placeAndFinish(t, orders.Order{ID: "A-1002", Customer: "grace", Total: 1999}, http.StatusServiceUnavailable) {
		return
	}
	audit.release()
	mail.release()
	if !shut.Wait(t) {
		return
	}
	assert.NoError(t, err, "Shutdown")
	assert.Equal(t, []orders.Entry{{RequestID: requestID(1), OrderID: "A-1001", Action: "placed"}}, audit.entries(), "the audit log")
	assert.Equal(t, []string{"A-1001"}, mail.orderIDs(), "the orders confirmed by e-mail")
}

// TestMalformedOrder: an order that is not JSON, or has no ID, is refused
// with 400 Bad Request, and nothing is started for it.
func TestMalformedOrder(t *testing.T) {
	for _, body := range []string{`{"id":`, `{"customer":"ada"}`} {
		t.Run(body, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

			audit, mail := newRemote("audit store", held), newRemote("mail relay", held)
			svc := orders.New(audit, mail)
			srv := newServer(t, svc, audit, mail)
			defer srv.close()

			status, ok := srv.post(t, []byte(body))
			if !ok {
				return
			}
			assert.Equal(t, http.StatusBadRequest, status, "status of a malformed order")
			if katatest.Completes(t, "Shutdown", func() { _ = svc.Shutdown(context.Background()) }) {
				assert.Zero(t, audit.calls()+mail.calls(), "calls to the audit store and the mail relay")
			}
		})
	}
}

// server is the service behind an httptest server and our request-ID
// middleware.
type server struct {
	srv    *httptest.Server
	ctx    context.Context // the client's requests' context
	cancel context.CancelFunc
	n      atomic.Int64 // requests served

	remotes []*remote // the fakes behind the service

	mu   sync.Mutex
	reqs []context.Context // each request's context, as the service got it
}

func newServer(t *testing.T, svc http.Handler, remotes ...*remote) *server {
	t.Helper()
	s := &server{remotes: remotes}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(orders.WithRequestID(r.Context(), requestID(int(s.n.Add(1)))))
		s.mu.Lock()
		s.reqs = append(s.reqs, r.Context())
		s.mu.Unlock()
		svc.ServeHTTP(w, r)
	}))
	return s
}

// close lets every held call go, ends the client's requests and closes the
// server (which waits for its handlers). Defer it after the leak check.
func (s *server) close() {
	for _, r := range s.remotes {
		r.release()
	}
	s.cancel()
	s.srv.Close()
}

// requestID is the ID the middleware gives the n-th request.
func requestID(n int) string { return fmt.Sprintf("req-%d", n) }

// requestIDs returns the IDs of the first n requests.
func requestIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = requestID(i + 1)
	}
	return ids
}

// placeAndFinish posts o, checks the response's status, and waits until the
// request is over: its handler has returned and net/http has cancelled its
// context.
func (s *server) placeAndFinish(t *testing.T, o orders.Order, want int) bool {
	t.Helper()
	body, err := json.Marshal(o)
	require.NoError(t, err)
	status, ok := s.post(t, body)
	if !ok || !assert.Equal(t, want, status, "status of order %s", o.ID) {
		return false
	}
	s.mu.Lock()
	req := s.reqs[len(s.reqs)-1]
	s.mu.Unlock()
	return katatest.Returns(t, "the end of the request", req.Done())
}

// post sends body to POST /orders and returns the response's status. The
// handler must answer without waiting for the audit store or the mail
// relay: post fails the test with a deadlock-guard message as soon as a
// handler's own goroutine is seen in one of them (handlerWaitsIn), and gives any other slowness katatest.SpinTimeout, far more
// than a loaded machine needs for a request on the loopback interface. (A
// guard that judges by goroutine dumps alone cannot tell a request in
// flight from a stuck one: both show every goroutine in IO wait.)
func (s *server) post(t *testing.T, body []byte) (status int, ok bool) {
	t.Helper()
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, s.srv.URL+"/orders", bytes.NewReader(body))
	require.NoError(t, err)
	var resp *http.Response
	call := katatest.Go("POST /orders", func() { resp, err = s.srv.Client().Do(req) })
	deadline := time.Now().Add(katatest.SpinTimeout)
	for pause := 50 * time.Microsecond; ; pause = min(2*pause, time.Millisecond) {
		if call.Returned() {
			if !assert.NoError(t, err, "POST /orders") {
				return 0, false
			}
			resp.Body.Close()
			return resp.StatusCode, true
		}
		if in := handlerWaitsIn(); in != "" {
			t.Errorf("%s POST /orders waits in the %s: the handler must answer before the background work is done", katatest.DeadlockMarker, in)
			return 0, false
		}
		if time.Now().After(deadline) {
			t.Errorf("%s POST /orders did not answer within %v", katatest.DeadlockMarker, katatest.SpinTimeout)
			return 0, false
		}
		time.Sleep(pause)
	}
}

// behaviour is how a fake remote answers.
type behaviour int

const (
	held  behaviour = iota // each call waits until the test releases it
	open                   // each call succeeds at once
	hangs                  // each call waits until its context is done, then until the test releases it
)

// remote is a fake audit store and mail relay. Like a real remote call,
// a call that waits gives up as soon as its context is done, and returns
// the context's error.
type remote struct {
	name string
	how  behaviour
	hold chan struct{}
	once sync.Once

	mu        sync.Mutex
	n         int            // calls made
	gaveUp    int            // calls that ended because their context was done
	written   []orders.Entry // audit entries written
	confirmed []string       // orders confirmed
	traced    []string       // the request IDs the confirmations carried
}

func newRemote(name string, how behaviour) *remote {
	r := &remote{name: name, how: how, hold: make(chan struct{})}
	if how == open {
		r.release()
	}
	return r
}

// Record is the audit store's call.
func (r *remote) Record(ctx context.Context, e orders.Entry) error {
	if err := r.wait(ctx); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.written = append(r.written, e)
	return nil
}

// Confirm is the mail relay's call.
func (r *remote) Confirm(ctx context.Context, o orders.Order) error {
	if err := r.wait(ctx); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.confirmed = append(r.confirmed, o.ID)
	r.traced = append(r.traced, orders.RequestID(ctx))
	return nil
}

// wait waits until the test releases the call or ctx is done. Like a
// database driver, it checks ctx before it starts.
func (r *remote) wait(ctx context.Context) error {
	r.mu.Lock()
	r.n++
	r.mu.Unlock()
	if err := ctx.Err(); err != nil {
		r.mu.Lock()
		r.gaveUp++
		r.mu.Unlock()
		return err
	}
	var hold <-chan struct{} = r.hold
	if r.how == hangs {
		hold = nil // never released
	}
	select {
	case <-hold:
		return nil
	case <-ctx.Done():
		r.mu.Lock()
		r.gaveUp++
		r.mu.Unlock()
		if r.how == hangs {
			<-r.hold // giving up takes a moment too: closing the connection
		}
		return ctx.Err()
	}
}

// handlerWaitsIn returns the name of the fake that a net/http handler's
// own goroutine (not a goroutine the handler started) is in, or "". It reads
// a goroutine dump, which synchronises with nothing. Asking the fakes under
// their mutex would order everything the background goroutines did before
// their call (a WaitGroup.Add, say) before everything the test does next,
// Shutdown included, and hide from the race detector an Add that races with
// Shutdown's Wait.
func handlerWaitsIn() string {
	for _, g := range katatest.Goroutines() {
		handler, in := false, ""
		for line := range strings.Lines(g.Stack) {
			switch {
			case strings.HasPrefix(line, "net/http.(*conn).serve("):
				handler = true
			case strings.Contains(line, "_test.(*remote).Record("):
				in = "audit store"
			case strings.Contains(line, "_test.(*remote).Confirm("):
				in = "mail relay"
			}
		}
		if handler && in != "" {
			return in
		}
	}
	return ""
}

// release lets every held call, and every later one, succeed.
func (r *remote) release() { r.once.Do(func() { close(r.hold) }) }

func (r *remote) calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

func (r *remote) cancelled() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.gaveUp
}

func (r *remote) entries() []orders.Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]orders.Entry(nil), r.written...)
}

func (r *remote) orderIDs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.confirmed...)
}

func (r *remote) requestIDs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.traced...)
}
