package health_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/katatest"
	health "github.com/gokatas/concurrency/katas/02-unclosed-body"
)

// TestCheck probes a mix of healthy, down and degraded endpoints. Every
// response body the checker receives must be closed, on every path, and no
// connection goroutine may outlive the check.
func TestCheck(t *testing.T) {
	tests := []struct {
		name      string
		paths     []string
		healthy   int
		unhealthy int
		failures  []string // the endpoint path each failure names, sorted
	}{
		{name: "all healthy", paths: []string{"/ok/a", "/ok/b", "/ok/c"}, healthy: 3},
		{name: "one down", paths: []string{"/ok/a", "/down/b", "/ok/c"}, healthy: 2, unhealthy: 1, failures: []string{"/down/b"}},
		{
			name:    "down and degraded",
			paths:   []string{"/ok/a", "/down/b", "/degraded/c", "/ok/d", "/down/e"},
			healthy: 2, unhealthy: 3, failures: []string{"/degraded/c", "/down/b", "/down/e"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, bodies := check(t, tt.paths)
			assert.Equal(t, tt.healthy, rep.Healthy, "healthy endpoints")
			assert.Equal(t, tt.unhealthy, rep.Unhealthy, "unhealthy endpoints")
			require.Len(t, rep.Failures, len(tt.failures))
			for i, p := range tt.failures {
				assert.Contains(t, rep.Failures[i], p)
			}
			assert.Empty(t, bodies.unclosed(), "every response body must be closed, whatever the status")
		})
	}
}

// check runs one Check against a fresh server and client. Deferred calls run
// last-in first-out: the client's idle connections are closed, then the
// server, and only then does goleak look, so the only connection goroutines
// it can find belong to a response body nobody closed.
func check(t *testing.T, paths []string) (health.Report, *bodyTracker) {
	t.Helper()
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := httptest.NewServer(http.HandlerFunc(endpoint))
	defer srv.Close()
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	bodies := &bodyTracker{base: transport, open: map[string]bool{}}

	urls := make([]string, len(paths))
	for i, p := range paths {
		urls[i] = srv.URL + p
	}
	c := &health.Checker{
		Client:  &http.Client{Transport: bodies, Timeout: 5 * time.Second},
		Observe: newBarrier(len(urls)).wait,
	}
	var rep health.Report
	katatest.Within(t, katatest.GuardTimeout, "Check", func() {
		rep = c.Check(context.Background(), urls)
	})
	return rep, bodies
}

// endpoint answers like the webhook receivers do: /ok/ is healthy, /down/ is
// a 503 with an error page, /degraded/ is up but says it is not well.
func endpoint(w http.ResponseWriter, r *http.Request) {
	switch {
	case len(r.URL.Path) > 4 && r.URL.Path[:4] == "/ok/":
		fmt.Fprint(w, `{"status":"ok"}`)
	case len(r.URL.Path) > 6 && r.URL.Path[:6] == "/down/":
		http.Error(w, "service unavailable: maintenance window", http.StatusServiceUnavailable)
	default:
		fmt.Fprint(w, `{"status":"degraded"}`)
	}
}

// barrier is the Observe hook of the tests: it holds every probing goroutine
// until all of them have a result, so they all go on to record it at the same
// time. Nothing orders what they do after it: unsynchronised writes to shared
// counters there are a data race in every run, not only on unlucky ones.
type barrier struct {
	mu      sync.Mutex
	n       int
	release chan struct{}
}

func newBarrier(n int) *barrier { return &barrier{n: n, release: make(chan struct{})} }

func (b *barrier) wait(health.Result) {
	b.mu.Lock()
	b.n--
	if b.n == 0 {
		close(b.release)
	}
	b.mu.Unlock()
	select {
	case <-b.release:
	case <-time.After(katatest.GuardTimeout): // a probe went missing; the test will say so
	}
}

// bodyTracker wraps a transport and remembers which response bodies were
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

func (b *bodyTracker) unclosed() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for p := range b.open {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

type trackedBody struct {
	io.ReadCloser
	once   sync.Once
	closed func()
}

func (t *trackedBody) Close() error {
	t.once.Do(t.closed)
	return t.ReadCloser.Close()
}
