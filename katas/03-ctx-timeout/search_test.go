package search_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/katatest"
	search "github.com/gokatas/concurrency/katas/03-ctx-timeout"
)

// TestSearchAllAnswer: every backend answers in time, so every hit is
// there, and the dashboard names the fastest backend. The backends start
// together (see gate): whatever the search's goroutines do with their
// answers, nothing orders it.
func TestSearchAllAnswer(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	g := newGate(3)
	// The delays are far apart: the time a backend waits at the gate counts
	// in what the search measures, and on a loaded machine that can be tens
	// of milliseconds.
	agg := &search.Aggregator{Timeout: 5 * time.Second, Backends: []search.Backend{
		&fakeBackend{name: "catalogue", gate: g, delay: time.Millisecond},
		&fakeBackend{name: "marketplace", gate: g, delay: 200 * time.Millisecond},
		&fakeBackend{name: "recommendations", gate: g, delay: 250 * time.Millisecond},
	}}
	var res search.Results
	katatest.Within(t, katatest.GuardTimeout, "Search", func() { res = agg.Search(context.Background(), "blue keyboard") })
	assert.False(t, res.Partial)
	assert.Equal(t, []string{"catalogue", "marketplace", "recommendations"}, backends(res))
	assert.Equal(t, "catalogue", agg.Stats().Fastest)
}

// TestSearchHonoursDeadline: one backend hangs. The search must return at its
// deadline with what it has, tell the hanging backend to stop (its context
// carries the deadline and is done once Search returns), and leave no
// goroutine behind.
func TestSearchHonoursDeadline(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	slow := &fakeBackend{name: "marketplace", hang: true, stopped: make(chan struct{})}
	agg := &search.Aggregator{Timeout: 50 * time.Millisecond, Backends: []search.Backend{
		&fakeBackend{name: "catalogue"},
		slow,
	}}
	var res search.Results
	start := time.Now()
	katatest.Within(t, katatest.GuardTimeout, "Search", func() { res = agg.Search(context.Background(), "blue keyboard") })
	assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond, "returned before the deadline")
	assert.True(t, res.Partial, "a backend did not answer: the results are partial")
	assert.Equal(t, []string{"catalogue"}, backends(res))

	ctx := slow.context()
	if !assert.NotNil(t, ctx, "the hanging backend was never asked") {
		return
	}
	_, hasDeadline := ctx.Deadline()
	assert.True(t, hasDeadline, "the backend's context must carry the search's deadline")
	select {
	case <-slow.stopped:
	case <-time.After(500 * time.Millisecond):
		assert.Fail(t, "Search returned but the hanging backend was never told to stop: its context is never done")
	}
}

// TestSearchDeadlineOnFakeClock runs a search in a synctest bubble, where time
// is fake and only moves when every goroutine in the bubble is blocked: a 10 s
// backend and a 2 s deadline take no real time at all, and the deadline is
// exact. A goroutine left behind when the test returns makes the bubble
// panic, which ends the test binary: this test runs last for that reason.
func TestSearchDeadlineOnFakeClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		agg := &search.Aggregator{Timeout: 2 * time.Second, Backends: []search.Backend{
			&fakeBackend{name: "catalogue", delay: 300 * time.Millisecond},
			&fakeBackend{name: "recommendations", delay: 10 * time.Second},
		}}
		start := time.Now()
		res := agg.Search(context.Background(), "blue keyboard")
		assert.Equal(t, 2*time.Second, time.Since(start), "the search takes exactly its deadline")
		assert.True(t, res.Partial)
		assert.Equal(t, []string{"catalogue"}, backends(res))
	})
}

func backends(r search.Results) []string {
	var out []string
	for _, h := range r.Hits {
		out = append(out, h.Backend)
	}
	slices.Sort(out)
	return out
}

// fakeBackend answers after delay (giving up if its context ends first), or
// hangs until its context ends. It remembers the context it was given.
type fakeBackend struct {
	name    string
	delay   time.Duration
	hang    bool
	gate    *gate
	stopped chan struct{} // closed when a hanging search sees its context end

	mu  sync.Mutex
	ctx context.Context
}

func (f *fakeBackend) Name() string { return f.name }

func (f *fakeBackend) Search(ctx context.Context, q string) ([]search.Hit, error) {
	f.mu.Lock()
	f.ctx = ctx
	f.mu.Unlock()
	if f.hang {
		<-ctx.Done()
		close(f.stopped)
		return nil, ctx.Err()
	}
	if f.gate != nil {
		f.gate.wait()
	}
	select {
	case <-time.After(f.delay):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return []search.Hit{{Backend: f.name, Title: q + " from " + f.name}}, nil
}

func (f *fakeBackend) context() context.Context {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ctx
}

// gate holds backends until all n have been asked, then lets them all go on
// at once: from there on, nothing orders what the search's goroutines do
// with their answers, in every run.
type gate struct {
	mu      sync.Mutex
	n       int
	release chan struct{}
}

func newGate(n int) *gate { return &gate{n: n, release: make(chan struct{})} }

func (g *gate) wait() {
	g.mu.Lock()
	g.n--
	if g.n == 0 {
		close(g.release)
	}
	g.mu.Unlock()
	select {
	case <-g.release:
	case <-time.After(katatest.GuardTimeout):
	}
}
