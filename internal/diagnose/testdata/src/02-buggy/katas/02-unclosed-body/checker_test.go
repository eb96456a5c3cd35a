package health_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/katatest"
	health "github.com/gokatas/concurrency/katas/02-unclosed-body"
)

// TestCheckCountsEveryHealthyEndpoint probes four healthy receivers at once.
// The test's Observe hook holds every probing goroutine until all four have
// a result and then lets them go together, so whatever Check does with a
// result afterwards, the four goroutines do it at the same time with nothing
// ordering them: an unguarded counter is a data race in every run.
func TestCheckCountsEveryHealthyEndpoint(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	paths := []string{"/ok/a", "/ok/b", "/ok/c", "/ok/d"}
	b := newBarrier(len(paths))
	rep, unclosed, ok := check(t, paths, b.wait)
	if !ok {
		return
	}
	assert.Equal(t, len(paths), b.arrivals(), "Observe should see every result")
	assert.Equal(t, len(paths), rep.Healthy, "healthy endpoints")
	assert.Zero(t, rep.Unhealthy, "unhealthy endpoints")
	assert.Empty(t, rep.Failures)
	assert.Empty(t, unclosed, "response bodies never closed")
}

// TestCheck probes healthy, down, parked, degraded and unreachable receivers.
// Every response body the checker receives must be closed, whatever the
// answer, and no connection goroutine may outlive the check.
func TestCheck(t *testing.T) {
	tests := []struct {
		name      string
		paths     []string
		healthy   int
		unhealthy int
		failures  []string // the paths the failure messages name
	}{
		{name: "a healthy receiver", paths: []string{"/ok/a"}, healthy: 1},
		{
			name:  "a receiver that is down",
			paths: []string{"/ok/a", "/down/b"}, healthy: 1, unhealthy: 1,
			failures: []string{"/down/b"},
		},
		{
			name:  "a parked domain answering 200 with a page",
			paths: []string{"/parked/a"}, unhealthy: 1,
			failures: []string{"/parked/a"},
		},
		{
			name:  "degraded and unreadable documents",
			paths: []string{"/degraded/a", "/garbled/b"}, unhealthy: 2,
			failures: []string{"/degraded/a", "/garbled/b"},
		},
		{
			name:  "a receiver nobody listens for",
			paths: []string{"/gone/a", "/ok/b"}, healthy: 1, unhealthy: 1,
			failures: []string{"/gone/a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

			var seen results
			rep, unclosed, ok := check(t, tt.paths, seen.observe)
			if !ok {
				return
			}
			assert.Equal(t, tt.healthy, rep.Healthy, "healthy endpoints")
			assert.Equal(t, tt.unhealthy, rep.Unhealthy, "unhealthy endpoints")
			assert.True(t, slices.IsSorted(rep.Failures), "failures should be sorted: %q", rep.Failures)
			if assert.Len(t, rep.Failures, len(tt.failures), "failures: %q", rep.Failures) {
				for _, p := range tt.failures {
					assert.Equal(t, 1, countContaining(rep.Failures, p), "one failure should name %s: %q", p, rep.Failures)
				}
			}
			assert.ElementsMatch(t, tt.paths, seen.paths(), "Observe should see every result once")
			assert.Empty(t, unclosed, "response bodies never closed (reading to EOF is not closing)")
		})
	}
}

// TestCheckWithoutObserve checks without an Observe hook: it is optional,
// and the report is the same without it.
func TestCheckWithoutObserve(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	rep, unclosed, ok := check(t, []string{"/ok/a", "/down/b"}, nil)
	if !ok {
		return
	}
	assert.Equal(t, 1, rep.Healthy, "healthy endpoints")
	assert.Equal(t, 1, rep.Unhealthy, "unhealthy endpoints")
	assert.Empty(t, unclosed, "response bodies never closed")
}

// TestCheckWaitsForObserve holds the Observe hook while it has a result in
// hand. Observe is part of the check: Check must not return before the hook
// has seen every result, and a hook run on a goroutine of its own would
// outlive Check (the metrics of a finished check would still be changing).
// The test waits until the result has reached the hook and nothing else can
// move; Check must still be waiting then.
func TestCheckWaitsForObserve(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := httptest.NewServer(http.HandlerFunc(receiver))
	defer katatest.Within(t, katatest.GuardTimeout, "closing the test server", srv.Close)
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()

	var hook katatest.Gate
	defer hook.Open()
	observing := make(chan struct{})
	var once sync.Once
	c := &health.Checker{Client: &http.Client{Transport: transport}, Observe: func(health.Result) {
		once.Do(func() { close(observing) })
		hook.Enter()
	}}

	var rep health.Report
	call := katatest.Go("Check", func() { rep = c.Check(t.Context(), []string{srv.URL + "/ok/a"}) })
	if !katatest.Within(t, katatest.GuardTimeout, "the result reaching Observe", func() { <-observing }) {
		return
	}
	if !katatest.WaitIdle(t, "Check, while Observe holds a result") {
		return
	}
	assert.False(t, call.Returned(), "Check returned while Observe was still looking at a result")
	hook.Open()
	if call.Wait(t) {
		assert.Equal(t, 1, rep.Healthy, "healthy endpoints")
	}
}

// check runs one Check of paths against a fresh receiver server, through a
// fresh transport whose bodies are tracked, and reports which bodies were
// never closed. It returns false if Check did not return in time.
//
// The deferred calls run before the calling test's goleak check: the
// transport's idle connections are closed, then the server. A body that was
// closed has given its connection back to the pool (closed now) or closed
// it; only a body nobody closed still holds a connection, and with it the
// transport's two goroutines for it, persistConn.readLoop and writeLoop, for
// goleak to find. The context ends when the test does (after the goleak
// check, before cleanups), which finally releases them.
func check(t *testing.T, paths []string, observe func(health.Result)) (health.Report, []string, bool) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(receiver))
	defer katatest.Within(t, katatest.GuardTimeout, "closing the test server", srv.Close)
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	bodies := &bodyTracker{base: transport, open: map[string]bool{}}

	urls := make([]string, len(paths))
	for i, p := range paths {
		urls[i] = srv.URL + p
		if strings.HasPrefix(p, "/gone/") {
			urls[i] = "http://" + closedAddr(t) + p
		}
	}
	c := &health.Checker{Client: &http.Client{Transport: bodies}, Observe: observe}
	var rep health.Report
	if !katatest.Within(t, katatest.GuardTimeout, "Check", func() {
		rep = c.Check(t.Context(), urls)
	}) {
		return health.Report{}, nil, false // Check may still write rep: leave it alone
	}
	return rep, bodies.unclosed(), true
}

// receiver answers like the webhook receivers do. The first element of the
// path says how: ok, degraded, garbled, down or parked.
func receiver(w http.ResponseWriter, r *http.Request) {
	kind, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	switch kind {
	case "ok":
		writeJSON(w, `{"status":"ok"}`)
	case "degraded":
		writeJSON(w, `{"status":"degraded","queue":"backlogged"}`)
	case "garbled":
		writeJSON(w, `{"status":"o`)
	case "down":
		http.Error(w, "service unavailable: maintenance window", http.StatusServiceUnavailable)
	case "parked":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><title>This domain is parked</title><h1>Coming soon</h1>")
	default:
		http.NotFound(w, r)
	}
}

func writeJSON(w http.ResponseWriter, doc string) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, doc)
}

// closedAddr returns a loopback address nobody listens on any more.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

func countContaining(msgs []string, sub string) int {
	n := 0
	for _, m := range msgs {
		if strings.Contains(m, sub) {
			n++
		}
	}
	return n
}

// results is an Observe hook that records the path of every result.
type results struct {
	mu   sync.Mutex
	seen []string
}

func (r *results) observe(res health.Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, pathOf(res.URL))
}

func (r *results) paths() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.seen)
}

func pathOf(url string) string {
	rest, _ := strings.CutPrefix(url, "http://")
	if i := strings.Index(rest, "/"); i >= 0 {
		return rest[i:]
	}
	return rest
}

// barrier is an Observe hook that holds every probing goroutine until all n
// have a result, then releases them together. The goroutines synchronise
// with the barrier on the way in, but nothing orders what each does after it
// lets them go.
type barrier struct {
	mu      sync.Mutex
	n       int
	arrived int
	release chan struct{}
}

func newBarrier(n int) *barrier { return &barrier{n: n, release: make(chan struct{})} }

func (b *barrier) wait(health.Result) {
	b.mu.Lock()
	b.arrived++
	if b.arrived == b.n {
		close(b.release)
	}
	b.mu.Unlock()
	select {
	case <-b.release:
	case <-time.After(katatest.GuardTimeout): // a result went missing; the test says so
	}
}

func (b *barrier) arrivals() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.arrived
}

// bodyTracker is a RoundTripper that remembers which response bodies were
// never closed. Reading a body to EOF does not count: only Close does.
type bodyTracker struct {
	base http.RoundTripper
	mu   sync.Mutex
	open map[string]bool
}

func (b *bodyTracker) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := b.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	path := r.URL.Path
	b.mu.Lock()
	b.open[path] = true
	b.mu.Unlock()
	resp.Body = &trackedBody{ReadCloser: resp.Body, closed: func() {
		b.mu.Lock()
		delete(b.open, path)
		b.mu.Unlock()
	}}
	return resp, nil
}

// CloseIdleConnections passes the call on to the real transport, as
// http.Client.CloseIdleConnections expects of a RoundTripper that wraps one.
func (b *bodyTracker) CloseIdleConnections() {
	if t, ok := b.base.(interface{ CloseIdleConnections() }); ok {
		t.CloseIdleConnections()
	}
}

func (b *bodyTracker) unclosed() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]string, 0, len(b.open))
	for p := range b.open {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// trackedBody reports its first Close.
type trackedBody struct {
	io.ReadCloser
	once   sync.Once
	closed func()
}

func (t *trackedBody) Close() error {
	t.once.Do(t.closed)
	return t.ReadCloser.Close()
}
