package poller_test

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/katatest"
	poller "github.com/gokatas/concurrency/katas/11-spin-ticker"
)

// Every test runs in a testing/synctest bubble: time there is a fake clock
// that moves only when every goroutine of the bubble is blocked, so a minute
// of polling takes microseconds, and synctest.Wait returns once Serve has
// done all it can. The fake queue counts what Serve does, and catches a loop
// that polls without waiting (see queue.Poll). katatest.SynctestNoSpin ends
// the run with a "deadlock guard:" message if a goroutine never blocks at
// all, and checks with goleak that no goroutine is left when the test ends.

// TestJobs: the jobs waiting in the queue run at once, in order, one at a
// time.
func TestJobs(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	katatest.SynctestNoSpin(t, func(t *testing.T) {
		q := newQueue(t, 1, 2, 3)
		r := &runner{}
		stop := poller.Serve(t.Context(), q, r.run)
		synctest.Wait()
		assert.Equal(t, []int{1, 2, 3}, r.ran(), "jobs run with no time passing")
		stopServing(t, q, stop)
	})
}

// TestIdleQueue: a queue with nothing in it is polled once per
// poller.PollEvery, not more (each poll is a query to the tenant's
// database), and a job that comes in is run at the next poll.
func TestIdleQueue(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	katatest.SynctestNoSpin(t, func(t *testing.T) {
		q := newQueue(t)
		r := &runner{}
		stop := poller.Serve(t.Context(), q, r.run)
		synctest.Wait()
		if q.spun() {
			assert.Fail(t, "the poller spins", "Poll found the queue empty %d times in a row, each time less than PollEvery/2 after the time before: the loop polls again without waiting. In production it keeps a core busy and sends the tenant's database a query per iteration.", spinPolls)
			stopServing(t, q, stop)
			return
		}

		before := q.polls()
		time.Sleep(10 * poller.PollEvery)
		synctest.Wait()
		polls := q.polls() - before
		assert.LessOrEqual(t, polls, 10, "polls of an empty queue in 10 × PollEvery")
		assert.GreaterOrEqual(t, polls, 9, "polls of an empty queue in 10 × PollEvery: it must go on polling")

		q.add(7)
		time.Sleep(poller.PollEvery)
		synctest.Wait()
		assert.Equal(t, []int{7}, r.ran(), "a job that came in while the queue was idle, one PollEvery later")
		stopServing(t, q, stop)
	})
}

// TestLease: while Serve serves a queue it renews the lease every
// poller.RenewEvery.
func TestLease(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	katatest.SynctestNoSpin(t, func(t *testing.T) {
		q := newQueue(t)
		stop := poller.Serve(t.Context(), q, (&runner{}).run)
		time.Sleep(6*poller.RenewEvery + poller.RenewEvery/2)
		synctest.Wait()
		assert.Equal(t, 6, q.renewals(), "renewals in 6½ × RenewEvery")
		stopServing(t, q, stop)
	})
}

// TestLeaseDuringALongJob: a job can take longer than RenewEvery (an export
// of a large tenant); the lease is renewed every RenewEvery all the same,
// or another runner takes the queue over while this one still works on it.
func TestLeaseDuringALongJob(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	katatest.SynctestNoSpin(t, func(t *testing.T) {
		q := newQueue(t, 1)
		r := &runner{hold: make(chan struct{}), started: make(chan struct{})}
		stop := poller.Serve(t.Context(), q, r.run)
		<-r.started
		time.Sleep(3*poller.RenewEvery + poller.RenewEvery/2) // the job still runs
		synctest.Wait()
		assert.Equal(t, 3, q.renewals(), "renewals in 3½ × RenewEvery while one job runs")
		r.release()
		stopServing(t, q, stop)
	})
}

// TestStop: the tenant moves to another runner. Once Serve has stopped,
// this runner neither polls the queue nor renews its lease (the other runner
// could never take the queue over), and none of its goroutines is left: a
// runner serves thousands of tenants in its lifetime.
func TestStop(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	tests := []struct {
		name string
		// end ends the serving; it must return at once, with no time passing.
		end func(t *testing.T, q *queue, cancel context.CancelFunc, stop func())
	}{
		{
			name: "stop",
			end: func(t *testing.T, q *queue, _ context.CancelFunc, stop func()) {
				stopServing(t, q, stop)
			},
		},
		{
			// Our shutdown path calls stop, and a deferred stop runs too.
			name: "stop twice",
			end: func(t *testing.T, q *queue, _ context.CancelFunc, stop func()) {
				if stopServing(t, q, stop) {
					stopServing(t, q, stop)
				}
			},
		},
		{
			// The runner shuts down: its root context is cancelled, and
			// nobody calls stop.
			name: "the context is cancelled",
			end: func(t *testing.T, q *queue, cancel context.CancelFunc, _ func()) {
				q.release()
				cancel()
				synctest.Wait()
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			katatest.SynctestNoSpin(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				q := newQueue(t, 1)
				r := &runner{}
				before := bubbleGoroutines()

				stop := poller.Serve(ctx, q, r.run)
				time.Sleep(poller.RenewEvery + poller.RenewEvery/2)
				synctest.Wait()

				ended := time.Now()
				tt.end(t, q, cancel, stop)
				assert.Zero(t, time.Since(ended), "time it took to stop serving: stop must not wait for a tick")
				polls, renewals := q.polls(), q.renewals()

				time.Sleep(time.Minute)
				synctest.Wait()
				assert.Equal(t, polls, q.polls(), "polls in the minute after Serve stopped")
				assert.Equal(t, renewals, q.renewals(), "lease renewals in the minute after Serve stopped: the other runner cannot take the queue over")
				assert.Equal(t, []int{1}, r.ran(), "jobs run")
				assert.Empty(t, startedSince(before), "goroutines of Serve left after it stopped")
			})
		})
	}
}

// TestStopWaitsForTheJob: stop is called while a job runs. It returns only
// once the job has returned, and no job runs after it.
func TestStopWaitsForTheJob(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	katatest.SynctestNoSpin(t, func(t *testing.T) {
		q := newQueue(t, 1, 2)
		r := &runner{hold: make(chan struct{})}
		stop := poller.Serve(t.Context(), q, r.run)
		synctest.Wait()
		q.release()
		stopped := katatest.StartInBubble(stop)
		synctest.Wait()
		assert.False(t, stopped.Returned(), "stop returned while a job was still running")
		r.release()
		if within(t, "stop", time.Minute, stopped) {
			assert.Equal(t, []int{1}, r.ran(), "jobs run: none may start once stop was called")
		}
	})
}

// TestStopTwiceAtOnce: our shutdown path and a deferred stop call stop at
// the same moment, while a job runs. Neither may return before the job has
// returned. This test runs on the real clock, outside a bubble: a second
// stop may wait on a mutex (a sync.Once, say), which a bubble cannot wait
// for. katatest's guards watch the goroutines instead; the job starts at
// once, so no tick is ever waited for.
func TestStopTwiceAtOnce(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	q := &queue{jobs: []int{1, 2}, hold: make(chan struct{})}
	q.release() // a spin shows in the other tests; here it would only slow the poller down
	r := &runner{hold: make(chan struct{}), started: make(chan struct{})}
	stop := poller.Serve(t.Context(), q, r.run)
	defer r.release() // if a check below fails: let the job end
	if !katatest.Returns(t, "the first job", r.started) {
		return
	}
	first := katatest.Go("stop", stop)
	firstReturned, _ := first.WaitParked()
	second := katatest.Go("the second stop", stop)
	secondReturned, _ := second.WaitParked()
	assert.False(t, firstReturned, "stop returned while a job was still running")
	assert.False(t, secondReturned, "the second of two stops called at the same time returned while a job was still running")
	r.release()
	if first.Wait(t) && second.Wait(t) {
		assert.Equal(t, []int{1}, r.ran(), "jobs run: none may start once stop was called")
	}
}

// TestStopWaitsForTheRenewal: stop is called while the lease is being
// renewed (a query to the tenant's database, which takes a while). It
// returns only once the renewal has returned: a renewal that lands after
// stop extends the lease of a runner that no longer serves the queue.
func TestStopWaitsForTheRenewal(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	katatest.SynctestNoSpin(t, func(t *testing.T) {
		q := newQueue(t)
		q.renewing = make(chan struct{})
		stop := poller.Serve(t.Context(), q, (&runner{}).run)
		time.Sleep(poller.RenewEvery + poller.RenewEvery/2)
		synctest.Wait()
		q.release()
		assert.Equal(t, 1, q.renewals(), "renewals started in 1½ × RenewEvery")
		stopped := katatest.StartInBubble(stop)
		synctest.Wait()
		assert.False(t, stopped.Returned(), "stop returned while a lease renewal was still running")
		close(q.renewing)
		if within(t, "stop", time.Minute, stopped) {
			renewals := q.renewals()
			time.Sleep(time.Minute)
			synctest.Wait()
			assert.Equal(t, renewals, q.renewals(), "lease renewals in the minute after Serve stopped")
		}
	})
}

// spinPolls is how many empty polls in a row, each less than PollEvery/2
// after the one before, the fake queue takes as proof that the poller does
// not wait between polls.
const spinPolls = 100

// queue is a fake tenant queue. It counts polls and lease renewals, and
// catches a poller that polls an empty queue again without waiting: after
// spinPolls such polls it holds the polling goroutine inside Poll, so that
// the bubble's clock can move on, until release.
type queue struct {
	mu       sync.Mutex
	jobs     []int
	nPolls   int
	nRenews  int
	lastPoll time.Time // of the last empty poll
	tooSoon  int       // empty polls in a row, each too soon after the last
	caught   bool      // a poller was held for spinning
	released bool
	hold     chan struct{} // a spinning poller waits here until release
	over     bool          // the test has ended: a leftover goroutine ends at its next call
	// renewing, if set, holds every Renew until the test closes it: a
	// renewal in progress.
	renewing chan struct{}
}

// newQueue returns a fake queue holding the given job IDs. When the test
// ends, it lets go of a poller it holds and ends the leftover goroutines
// that still poll or renew.
func newQueue(t *testing.T, jobs ...int) *queue {
	q := &queue{jobs: jobs, hold: make(chan struct{})}
	t.Cleanup(func() {
		q.release()
		q.mu.Lock()
		q.over = true
		q.mu.Unlock()
		time.Sleep(poller.RenewEvery) // a leftover ticker's next tick
	})
	return q
}

func (q *queue) Poll() (poller.Job, bool) {
	q.mu.Lock()
	if q.over {
		q.mu.Unlock()
		runtime.Goexit()
	}
	q.nPolls++
	if len(q.jobs) > 0 {
		id := q.jobs[0]
		q.jobs = q.jobs[1:]
		q.tooSoon = 0
		q.mu.Unlock()
		return poller.Job{Tenant: "acme", ID: id}, true
	}
	now := time.Now()
	if !q.lastPoll.IsZero() && now.Sub(q.lastPoll) < poller.PollEvery/2 {
		q.tooSoon++
	} else {
		q.tooSoon = 0
	}
	q.lastPoll = now
	hold := q.tooSoon >= spinPolls && !q.released
	if hold {
		q.caught = true
	}
	q.mu.Unlock()
	if hold {
		<-q.hold
	}
	return poller.Job{}, false
}

func (q *queue) Renew() {
	q.mu.Lock()
	over := q.over
	q.nRenews++
	renewing := q.renewing
	q.mu.Unlock()
	if renewing != nil {
		<-renewing
	}
	if over {
		runtime.Goexit()
	}
}

// add puts jobs in the queue.
func (q *queue) add(ids ...int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.jobs = append(q.jobs, ids...)
}

// release lets go of a poller held for spinning, and holds none from now on.
func (q *queue) release() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.released {
		q.released = true
		close(q.hold)
	}
}

// spun reports whether a poller was caught polling without waiting.
func (q *queue) spun() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.caught
}

func (q *queue) polls() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.nPolls
}

func (q *queue) renewals() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.nRenews
}

// runner records the jobs it runs. With hold, the first job waits for the
// test to close it; with started, the first job closes it when it starts.
type runner struct {
	hold    chan struct{}
	started chan struct{}

	mu       sync.Mutex
	ids      []int
	released bool
}

func (r *runner) run(j poller.Job) {
	r.mu.Lock()
	r.ids = append(r.ids, j.ID)
	first := len(r.ids) == 1
	r.mu.Unlock()
	if first && r.started != nil {
		close(r.started)
	}
	if first && r.hold != nil {
		<-r.hold
	}
}

// release lets the held job return (once, however often it is called).
func (r *runner) release() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.released {
		r.released = true
		close(r.hold)
	}
}

func (r *runner) ran() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int(nil), r.ids...)
}

// bubbleGoroutines returns the IDs of the goroutines in the caller's
// synctest bubble.
func bubbleGoroutines() map[string]bool {
	ids := map[string]bool{}
	for _, g := range katatest.InBubble() {
		ids[g.ID] = true
	}
	return ids
}

// startedSince returns the goroutines of the caller's bubble that are not
// in before, as "[state] top frame" lines.
func startedSince(before map[string]bool) []string {
	var out []string
	for _, g := range katatest.InBubble() {
		if !before[g.ID] {
			top, _, _ := strings.Cut(g.Stack, "\n")
			out = append(out, "["+g.State+"] "+top)
		}
	}
	return out
}

// stopServing calls stop (after letting go of a poller held for spinning:
// stop waits for it) and checks that it returns within a minute of the
// bubble's fake clock.
func stopServing(t *testing.T, q *queue, stop func()) bool {
	t.Helper()
	q.release()
	return within(t, "stop", time.Minute, katatest.StartInBubble(stop))
}

// within waits until call returns, for up to d of the bubble's fake clock
// (which moves on only while every goroutine of the bubble is blocked), and
// fails the test with a deadlock-guard message if it does not.
func within(t *testing.T, what string, d time.Duration, call *katatest.BubbleCall) bool {
	t.Helper()
	timeout := time.NewTimer(d)
	defer timeout.Stop()
	select {
	case <-call.Done():
		return true
	case <-timeout.C:
		t.Errorf("%s %s did not return within %v of the bubble's fake clock: it waits for something that never happens", katatest.DeadlockMarker, what, d)
		return false
	}
}
