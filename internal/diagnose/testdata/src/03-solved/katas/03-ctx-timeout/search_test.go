package search_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/katatest"
	search "github.com/gokatas/concurrency/katas/03-ctx-timeout"
)

// The tests run in this order on purpose. A synctest bubble that ends with a
// goroutine still blocked panics, and a panic ends the whole test binary:
// TestSearchOnFakeClock, the only test that can panic, comes last, so the
// race and the failed assertions of the tests before it are reported in
// every run.

const query = "blue keyboard"

var errDown = errors.New("backend down")

// TestSearch checks what the page gets when every backend answers in time,
// and that Search cancels the context it gave the backends before it returns.
// The backends start together (see gate), and so does a dashboard that reads
// the stats while the search runs: from there on, nothing orders what the
// search's goroutines do with their answers, nor those writes with the
// dashboard's read, so unguarded stats are a race the detector sees in every
// run, whether the lock is missing in record or in Stats.
func TestSearch(t *testing.T) {
	tests := []struct {
		name     string
		backends []*fakeBackend
		wantHits []string // the backend of each hit, sorted
	}{
		{
			// Which backend is fastest is checked on the fake clock, where
			// times are exact; here the time a backend waits at the gate
			// counts in what the search measures.
			name: "every backend answers",
			backends: []*fakeBackend{
				{name: "catalogue", delay: time.Millisecond},
				{name: "marketplace", delay: 5 * time.Millisecond},
				{name: "recommendations", delay: 10 * time.Millisecond},
			},
			wantHits: []string{"catalogue", "marketplace", "recommendations"},
		},
		{
			name: "a failing backend is skipped",
			backends: []*fakeBackend{
				{name: "catalogue", delay: 10 * time.Millisecond},
				{name: "marketplace", err: errDown},
				{name: "recommendations", delay: time.Millisecond},
			},
			wantHits: []string{"catalogue", "recommendations"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			g := newGate(len(tt.backends) + 1) // the backends and the dashboard
			agg := &search.Aggregator{Timeout: 5 * time.Second}
			for _, b := range tt.backends {
				b.gate = g
				agg.Backends = append(agg.Backends, b)
			}
			dashboard := make(chan search.Stats, 1)
			go func() {
				g.wait()
				dashboard <- agg.Stats()
			}()
			res, ok := searchWithin(t, agg)
			if !ok {
				return
			}
			// The dashboard's goroutine ends on its own; wait for it here so
			// the leak check does not report it.
			select {
			case <-dashboard:
			case <-time.After(katatest.GuardTimeout):
				assert.Fail(t, "the dashboard never got the stats")
			}
			assert.False(t, res.Partial, "every backend answered: the results are complete")
			assert.Equal(t, tt.wantHits, hitBackends(res))
			assert.Contains(t, tt.wantHits, agg.Stats().Fastest, "the fastest backend on the dashboard is one that answered")
			for _, b := range tt.backends {
				ctx := b.context()
				require.NotNil(t, ctx, "backend %s was never asked", b.name)
				assert.Error(t, ctx.Err(), "backend %s: its context must be done once Search has returned (cancel it)", b.name)
			}
		})
	}
}

// TestSearchHonoursDeadline: one backend hangs until it is told to stop, on
// the real clock. The search must not return before its deadline, must pass
// the deadline down (the backend's context carries it and is done once
// Search returns), and must leave no goroutine behind. What the page gets at
// the deadline is checked on the fake clock (TestSearchOnFakeClock), where
// a loaded machine cannot make an answer miss it.
func TestSearchHonoursDeadline(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	slow := &fakeBackend{name: "marketplace", hang: true, stopped: make(chan struct{})}
	agg := &search.Aggregator{Timeout: 50 * time.Millisecond, Backends: []search.Backend{
		&fakeBackend{name: "catalogue"},
		slow,
	}}
	start := time.Now()
	_, ok := searchWithin(t, agg)
	if !ok {
		return
	}
	assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond, "returned before the deadline")

	ctx := slow.context()
	require.NotNil(t, ctx, "the hanging backend was never asked")
	_, hasDeadline := ctx.Deadline()
	assert.True(t, hasDeadline, "the backend's context must carry the search's deadline")
	if !assert.Error(t, ctx.Err(), "Search returned but the hanging backend was never told to stop: its context is not done") {
		return
	}
	// It has been told: wait for it to stop, so that the leak check sees only
	// what is really left behind.
	select {
	case <-slow.stopped:
	case <-time.After(katatest.GuardTimeout):
		assert.Fail(t, "the hanging backend's context is done, but its Search never returned")
	}
}

// TestSearchesAtOnce runs two searches on one Aggregator at the same time,
// as the page server does for two visitors (who look for different things),
// with a backend that takes its
// time. Both must be under way together: both ask the backend before either
// has its answer. Then both visitors leave, and both searches end.
func TestSearchesAtOnce(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	slow := &fakeBackend{name: "marketplace", delay: time.Hour}
	agg := &search.Aggregator{Timeout: time.Hour, Backends: []search.Backend{slow}}
	ctx, leave := context.WithCancel(context.Background())
	var searches [2]*katatest.Call
	for i, q := range []string{"blue keyboard", "red keyboard"} {
		searches[i] = katatest.Go("Search "+q, func() { agg.Search(ctx, q) })
	}
	idle := katatest.WaitIdle(t, "two searches at once")
	asked := slow.asked()
	leave()
	for _, s := range searches {
		if !s.Wait(t) {
			return
		}
	}
	if idle {
		assert.Equal(t, 2, asked, "searches that had asked the backend, with two searches running at once")
	}
}

// TestSearchOnFakeClock runs searches in synctest bubbles, where time is
// fake and moves only when every goroutine in the bubble is blocked: a 2 s
// deadline and a backend that answers after 10 s take no real time, and the
// deadline is exact. The late backends are legacy clients that ignore their
// context: however late they answer, and however many answer at the same
// moment, their goroutines must be able to finish. The caller's own deadline
// must count too, when it comes before Timeout.
//
// Time stops when a bubble's root returns, so the root waits (on the fake
// clock) until long after the last answer; a goroutine still blocked then
// makes synctest panic, which ends the test binary: this test runs last.
// The bubble is this test's leak check: a goroutine started in a bubble is in
// the bubble, and synctest.Test returns only once every one of them has
// exited. A goleak check here would run while the panic unwinds and only
// repeat the report, half a second later.
func TestSearchOnFakeClock(t *testing.T) {
	tests := []struct {
		name           string
		callerDeadline time.Duration // 0: the caller sets no deadline
		callerGaveUp   bool          // the caller's context is cancelled before Search is called
		backends       []*fakeBackend
		wantTook       time.Duration // fake time the search takes
		wantPartial    bool
		wantHits       []string
		wantDeadline   time.Duration // the backends' deadline, from the start
		wantFastest    string        // on the dashboard once Search returns; "" when any will do
	}{
		{
			name: "a legacy backend answers after the deadline",
			backends: []*fakeBackend{
				{name: "catalogue", delay: 300 * time.Millisecond},
				{name: "recommendations", delay: 10 * time.Second, ignoreCtx: true},
			},
			wantTook:     2 * time.Second,
			wantPartial:  true,
			wantHits:     []string{"catalogue"},
			wantDeadline: 2 * time.Second,
			wantFastest:  "catalogue",
		},
		{
			name: "two legacy backends answer late at the same moment",
			backends: []*fakeBackend{
				{name: "catalogue", delay: 300 * time.Millisecond},
				{name: "marketplace", delay: 10 * time.Second, ignoreCtx: true},
				{name: "recommendations", delay: 10 * time.Second, ignoreCtx: true},
			},
			wantTook:     2 * time.Second,
			wantPartial:  true,
			wantHits:     []string{"catalogue"},
			wantDeadline: 2 * time.Second,
			wantFastest:  "catalogue",
		},
		{
			name: "no backend answers in time",
			backends: []*fakeBackend{
				{name: "marketplace", delay: 5 * time.Second, ignoreCtx: true},
				{name: "recommendations", delay: 10 * time.Second, ignoreCtx: true},
			},
			wantTook:     2 * time.Second,
			wantPartial:  true,
			wantHits:     nil,
			wantDeadline: 2 * time.Second,
		},
		{
			name:           "the caller's deadline comes before Timeout",
			callerDeadline: time.Second,
			backends: []*fakeBackend{
				{name: "catalogue", delay: 300 * time.Millisecond},
				{name: "marketplace", delay: 5 * time.Second},
			},
			wantTook:     time.Second,
			wantPartial:  true,
			wantHits:     []string{"catalogue"},
			wantDeadline: time.Second,
			wantFastest:  "catalogue",
		},
		{
			// The page's request was cancelled (the user left) before the
			// search began. Nothing can answer in time, so the results are
			// partial: an empty, complete answer would tell the page that
			// nothing matches. The search may skip asking the backends.
			name:         "the caller has given up before the search",
			callerGaveUp: true,
			backends: []*fakeBackend{
				{name: "catalogue", delay: 300 * time.Millisecond, ignoreCtx: true},
				{name: "marketplace", delay: 5 * time.Second, ignoreCtx: true},
			},
			wantTook:     0,
			wantPartial:  true,
			wantHits:     nil,
			wantDeadline: 2 * time.Second,
		},
		{
			// Their answers arrive together: however the scheduler orders
			// the senders, none of the answers may be lost.
			name:         "many backends answer at the same moment",
			backends:     sameMoment(manyBackends, 300*time.Millisecond),
			wantTook:     300 * time.Millisecond,
			wantPartial:  false,
			wantHits:     backendNames(sameMoment(manyBackends, 0)),
			wantDeadline: 2 * time.Second,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				if tt.callerDeadline > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.callerDeadline)
					defer cancel()
				}
				if tt.callerGaveUp {
					var cancel context.CancelFunc
					ctx, cancel = context.WithCancel(ctx)
					cancel()
				}
				agg := &search.Aggregator{Timeout: 2 * time.Second}
				for _, b := range tt.backends {
					agg.Backends = append(agg.Backends, b)
				}
				start := time.Now()
				res := agg.Search(ctx, query)
				assert.Equal(t, tt.wantTook, time.Since(start), "the search takes exactly its deadline, or less when every backend answered")
				assert.Equal(t, tt.wantPartial, res.Partial, "Partial: did a backend miss the deadline?")
				assert.Equal(t, tt.wantHits, hitBackends(res))
				if tt.wantFastest != "" {
					assert.Equal(t, tt.wantFastest, agg.Stats().Fastest, "the fastest backend on the dashboard")
				}
				for _, b := range tt.backends {
					bctx := b.context()
					if bctx == nil && tt.callerGaveUp {
						continue // not asked: nobody would read its answer
					}
					if !assert.NotNil(t, bctx, "backend %s was never asked", b.name) {
						continue
					}
					deadline, _ := bctx.Deadline()
					assert.Equal(t, start.Add(tt.wantDeadline), deadline, "backend %s: its context carries the earlier of the caller's deadline and Timeout", b.name)
				}

				// Long after the last legacy backend has answered.
				time.Sleep(time.Minute)
			})
		})
	}
}

// manyBackends is how many backends answer at the same moment in the
// fake-clock test: enough that some sender always finds the search busy with
// another answer. The kata runs under the race detector, whose scheduler
// puts a goroutine it wakes behind the others half of the time
// (randomizeScheduler in runtime/proc.go), so this holds at GOMAXPROCS 1 too:
// a send with select/default lost answers in 300 of 300 runs at each of
// GOMAXPROCS 1, 2 and 4.
const manyBackends = 32

// sameMoment returns n backends that all answer after delay.
func sameMoment(n int, delay time.Duration) []*fakeBackend {
	var bs []*fakeBackend
	for i := range n {
		bs = append(bs, &fakeBackend{name: fmt.Sprintf("backend-%02d", i), delay: delay})
	}
	return bs
}

// backendNames returns the names of bs, sorted.
func backendNames(bs []*fakeBackend) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.name)
	}
	slices.Sort(out)
	return out
}

// searchWithin runs agg.Search under the deadlock guard; ok is false when it
// did not return in time.
func searchWithin(t *testing.T, agg *search.Aggregator) (res search.Results, ok bool) {
	t.Helper()
	ok = katatest.Within(t, katatest.GuardTimeout, "Search", func() {
		res = agg.Search(context.Background(), query)
	})
	return res, ok
}

// hitBackends returns the backend of every hit, sorted.
func hitBackends(r search.Results) []string {
	var out []string
	for _, h := range r.Hits {
		out = append(out, h.Backend)
	}
	slices.Sort(out)
	return out
}

// fakeBackend answers after delay, giving up if its context ends first. With
// hang it answers nothing and waits for its context to end; with ignoreCtx it
// answers after delay whatever its context says; with err it fails. It
// remembers the context it was given.
type fakeBackend struct {
	name      string
	delay     time.Duration
	err       error
	hang      bool
	ignoreCtx bool
	gate      *gate
	stopped   chan struct{} // closed when a hanging search sees its context end

	mu    sync.Mutex
	ctx   context.Context // the context of the latest call
	calls int
}

func (f *fakeBackend) Name() string { return f.name }

func (f *fakeBackend) Search(ctx context.Context, q string) ([]search.Hit, error) {
	f.mu.Lock()
	f.ctx = ctx
	f.calls++
	f.mu.Unlock()
	if f.gate != nil {
		f.gate.wait()
	}
	switch {
	case f.hang:
		<-ctx.Done()
		close(f.stopped)
		return nil, ctx.Err()
	case f.err != nil:
		return nil, f.err
	case f.ignoreCtx:
		time.Sleep(f.delay)
	default:
		select {
		case <-time.After(f.delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return []search.Hit{{Backend: f.name, Title: q + " from " + f.name}}, nil
}

// asked returns how many times Search has been called.
func (f *fakeBackend) asked() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
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
