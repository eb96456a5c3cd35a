package logship_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/katatest"
	logship "github.com/gokatas/concurrency/katas/13-nil-chan-select"
)

// How the tests work: every test runs in a testing/synctest bubble.
// synctest.Wait returns once every goroutine of the bubble is blocked, so
// the test knows that Run has done all it can, with no sleep and no clock.
//
// A loop that spins never blocks, so the tests count instead: Run gets a
// context that counts how often Run asks it for Done or Err, which a select
// with a `case <-ctx.Done()` does every time round the loop. A shipper with
// nothing to ship asks a handful of times; one that spins asks without end,
// and at the spinLimit-th time the context holds it (a durable block), so
// that the test sees the spin, instead of waiting for it to stop.

// spinLimit is how many times Run may look at its context in one test. A
// correct Run looks about once per line and once per stream's end.
const spinLimit = 10_000

// quiet is how long a stream stays silent in the tests, on the bubble's fake
// clock: a long build step prints nothing for hours. A loop that polls a
// closed stream once a second goes round it more than spinLimit times.
const quiet = 3 * time.Hour

// TestShipsEveryLine: every line of both streams reaches the log, each
// stream in its order, and Run returns once both streams are closed, with
// nothing to do in between but wait.
func TestShipsEveryLine(t *testing.T) {
	tests := []struct {
		name     string
		noStdout bool // the job has no stdout pipe: Run gets a nil stream
		noStderr bool // the job has no stderr pipe: Run gets a nil stream
		run      func(t *testing.T, s *shipment)
	}{
		{
			name: "both streams",
			run: func(t *testing.T, s *shipment) {
				s.write(s.stdout, "stdout", 1, 3)
				s.write(s.stderr, "stderr", 1, 2)
				close(s.stdout)
				close(s.stderr)
				s.wantReturned(t, nil, "both streams are closed")
				s.wantShipped(t, map[string]int{"stdout": 3, "stderr": 2})
			},
		},
		{
			// The build tool closes its stdout when it daemonises its
			// cache server; stderr goes on for minutes.
			name: "stdout ends first, stderr goes on",
			run: func(t *testing.T, s *shipment) {
				s.write(s.stdout, "stdout", 1, 2)
				close(s.stdout)
				s.write(s.stderr, "stderr", 1, 1)
				if !s.quietFor(t, quiet, "stdout has ended and stderr is quiet") {
					return
				}
				require.False(t, s.call.Returned(), "Run returned while stderr was still open")
				s.write(s.stderr, "stderr", 2, 3)
				close(s.stderr)
				s.wantReturned(t, nil, "both streams are closed")
				s.wantShipped(t, map[string]int{"stdout": 2, "stderr": 3})
			},
		},
		{
			name: "stderr ends first, stdout goes on",
			run: func(t *testing.T, s *shipment) {
				s.write(s.stderr, "stderr", 1, 1)
				close(s.stderr)
				s.write(s.stdout, "stdout", 1, 2)
				if !s.quietFor(t, quiet, "stderr has ended and stdout is quiet") {
					return
				}
				require.False(t, s.call.Returned(), "Run returned while stdout was still open")
				s.write(s.stdout, "stdout", 3, 3)
				close(s.stdout)
				s.wantReturned(t, nil, "both streams are closed")
				s.wantShipped(t, map[string]int{"stdout": 3, "stderr": 1})
			},
		},
		{
			// A job started with its stderr sent to stdout has no
			// stderr pipe: the runner passes a nil stream.
			name:     "a job without stderr",
			noStderr: true,
			run: func(t *testing.T, s *shipment) {
				s.write(s.stdout, "stdout", 1, 2)
				close(s.stdout)
				if !s.quietFor(t, quiet, "stdout has ended and there is no stderr") {
					return
				}
				s.wantReturned(t, nil, "stdout is closed and there is no stderr")
				s.wantShipped(t, map[string]int{"stdout": 2})
			},
		},
		{
			// A tool that writes only to stderr, its stdout not
			// connected: the same, the other way round.
			name:     "a job without stdout",
			noStdout: true,
			run: func(t *testing.T, s *shipment) {
				s.write(s.stderr, "stderr", 1, 2)
				close(s.stderr)
				if !s.quietFor(t, quiet, "stderr has ended and there is no stdout") {
					return
				}
				s.wantReturned(t, nil, "stderr is closed and there is no stdout")
				s.wantShipped(t, map[string]int{"stderr": 2})
			},
		},
		{
			// A job whose output is thrown away has no pipes at all.
			name:     "a job without pipes",
			noStdout: true,
			noStderr: true,
			run: func(t *testing.T, s *shipment) {
				if !s.quietFor(t, quiet, "there are no streams") {
					return
				}
				s.wantReturned(t, nil, "there are no streams to wait for")
				s.wantShipped(t, map[string]int{})
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			katatest.Synctest(t, func(t *testing.T) {
				s := newShipment(t)
				if tt.noStdout {
					s.stdout = nil
				}
				if tt.noStderr {
					s.stderr = nil
				}
				s.start()
				tt.run(t, s)
			})
		})
	}
}

// TestCancel: a cancelled job's log ends at the cancellation.
func TestCancel(t *testing.T) {
	t.Run("while idle", func(t *testing.T) {
		defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
		katatest.Synctest(t, func(t *testing.T) {
			s := newShipment(t)
			s.start()
			synctest.Wait()
			s.cancel()
			s.wantReturned(t, context.Canceled, "the job was cancelled")
			s.wantShipped(t, map[string]int{})
		})
	})

	// The log service is slow on line 1; meanwhile the job is cancelled
	// and the process writes a line to each stream. When Run is back in
	// its select, three cases are ready at once: the cancellation,
	// stdout and stderr. A select picks one of its ready cases at
	// random, whatever their order in the source, so a Run that relies on
	// the order ships a line after the cancellation in two rounds of
	// three. 64 rounds in this one run: such a Run passes them all with a
	// probability of (1/3)^64, below 10^-30.
	t.Run("while shipping, with lines waiting", func(t *testing.T) {
		defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
		katatest.Synctest(t, func(t *testing.T) {
			const rounds = 64
			for round := 1; round <= rounds; round++ {
				s := newShipment(t)
				s.sink.holdFirst()
				s.start()
				s.write(s.stdout, "stdout", 1, 1)
				synctest.Wait() // Run is in Ship with line 1
				s.cancel()
				s.write(s.stdout, "stdout", 2, 2)
				s.write(s.stderr, "stderr", 1, 1)
				s.sink.release()
				if !s.wantReturned(t, context.Canceled, "the job was cancelled") {
					return
				}
				if got := s.sink.lines(); len(got) != 1 {
					assert.Fail(t, fmt.Sprintf("round %d of %d: lines shipped after the job was cancelled: %v", round, rounds, got[1:]),
						"a select chooses at random among the cases that are ready: being the first case gives the cancellation no priority")
					return
				}
			}
		})
	})
}

// TestCancelAsRunLooks: the job is cancelled, and the process then writes a
// line to each stream, at the very moment Run looks at its context: the
// first time, the second, and so on. Every line was written after the
// cancellation, so none may be shipped, whichever look the cancellation
// meets: a look that found the context not done yet proves nothing about
// the line received after it. Each moment is tried 64 times, since a select
// chooses at random among its ready cases.
func TestCancelAsRunLooks(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	katatest.Synctest(t, func(t *testing.T) {
		const rounds = 64
		for look := 1; look <= 4; look++ {
			for round := 1; round <= rounds; round++ {
				s := newShipment(t)
				s.ctx.atLook(look, func() {
					s.cancel()
					s.write(s.stdout, "stdout", 1, 1)
					s.write(s.stderr, "stderr", 1, 1)
				})
				s.start()
				synctest.Wait()
				if !s.ctx.looked(look) { // Run waits without looking again: nothing to try
					s.cancel()
				}
				if !s.wantReturned(t, context.Canceled, "the job was cancelled") {
					return
				}
				if got := s.sink.lines(); len(got) != 0 {
					assert.Fail(t, fmt.Sprintf("cancelled at Run's look %d at its context, round %d of %d: lines written after the cancellation were shipped: %v", look, round, rounds, got),
						"a look that found the context not done says nothing about a line received after it: look again after the receive, before shipping")
					return
				}
			}
		}
	})
}

// shipment is one call of Run in the bubble, with its streams, its sink
// and its counting context.
type shipment struct {
	t      *testing.T
	ctx    *countingCtx
	cancel context.CancelFunc
	sink   *fakeSink
	stdout chan logship.Line
	stderr chan logship.Line
	call   *katatest.BubbleCall
	err    error
}

// newShipment makes the streams (pipes with room for a few lines), the
// sink and the context; start calls Run.
func newShipment(t *testing.T) *shipment {
	ctx, cancel := context.WithCancel(context.Background())
	s := &shipment{
		t:      t,
		ctx:    newCountingCtx(ctx),
		cancel: cancel,
		sink:   &fakeSink{},
		stdout: make(chan logship.Line, 8),
		stderr: make(chan logship.Line, 8),
	}
	// Whatever happened, end Run and let the spinning one go, so that
	// the bubble can end. (This runs after the bubble's leak check.)
	t.Cleanup(func() {
		cancel()
		s.ctx.unhold()
		s.sink.release()
	})
	return s
}

// start calls Run on a goroutine of the bubble.
func (s *shipment) start() {
	var stdout, stderr <-chan logship.Line
	if s.stdout != nil {
		stdout = s.stdout
	}
	if s.stderr != nil {
		stderr = s.stderr
	}
	s.call = katatest.StartInBubble(func() { s.err = logship.Run(s.ctx, s.sink, stdout, stderr) })
}

// write puts lines first to last of stream into ch, as the pipe's reader
// would.
func (s *shipment) write(ch chan logship.Line, stream string, first, last int) {
	for n := first; n <= last; n++ {
		ch <- logship.Line{Stream: stream, N: n, Text: fmt.Sprintf("%s line %d", stream, n)}
	}
}

// quietFor lets d pass on the bubble's clock with nothing written, and
// checks that Run spent it waiting, not spinning. On a spin it fails the
// test, cancels Run and waits for it to return.
func (s *shipment) quietFor(t *testing.T, d time.Duration, what string) bool {
	t.Helper()
	time.Sleep(d) // the bubble's fake clock: returns once everything else is blocked
	synctest.Wait()
	if !s.ctx.held() {
		return true
	}
	assert.Fail(t, fmt.Sprintf("Run spins: %s, and it has gone round its loop %d times with nothing to ship", what, spinLimit),
		"a receive from a closed channel never waits: it returns the zero value and ok == false at once, every time. Its select case is always ready")
	s.cancel()
	s.ctx.unhold()
	synctest.Wait()
	return false
}

// wantReturned waits until Run can do no more, and checks that it has
// returned with an error that is want (nil: no error).
func (s *shipment) wantReturned(t *testing.T, want error, why string) bool {
	t.Helper()
	synctest.Wait()
	if s.ctx.held() {
		s.quietFor(t, 0, why)
		return false
	}
	if !assert.True(t, s.call.Returned(), "Run has not returned, though %s", why) {
		return false
	}
	if want == nil {
		return assert.NoError(t, s.err, "Run's error")
	}
	return assert.ErrorIs(t, s.err, want, "Run's error")
}

// wantShipped checks that the log got lines 1 to n of each stream, each
// stream in order, and nothing else.
func (s *shipment) wantShipped(t *testing.T, want map[string]int) {
	t.Helper()
	got := map[string][]int{}
	for _, l := range s.sink.lines() {
		got[l.Stream] = append(got[l.Stream], l.N)
	}
	wantN := map[string][]int{}
	for stream, n := range want {
		for i := 1; i <= n; i++ {
			wantN[stream] = append(wantN[stream], i)
		}
	}
	assert.Equal(t, wantN, got, "line numbers shipped, by stream")
}

// countingCtx is a context that counts how often Run asks for Done or Err,
// and holds Run at the spinLimit-th time until unhold. With atLook, it runs
// a function of the test's at one of those times, before it answers.
type countingCtx struct {
	context.Context
	mu     sync.Mutex
	n      int
	hold   chan struct{} // closed by unhold
	isHeld bool
	look   int    // atLook's time, or 0
	atIt   func() // what happens at it
}

// atLook runs fn inside the n-th call of Done or Err, before it answers.
func (c *countingCtx) atLook(n int, fn func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.look, c.atIt = n, fn
}

// looked reports whether Run has asked for Done or Err n times.
func (c *countingCtx) looked(n int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n >= n
}

func newCountingCtx(ctx context.Context) *countingCtx {
	return &countingCtx{Context: ctx, hold: make(chan struct{})}
}

// Done implements context.Context.
func (c *countingCtx) Done() <-chan struct{} {
	c.count()
	return c.Context.Done()
}

// Err implements context.Context.
func (c *countingCtx) Err() error {
	c.count()
	return c.Context.Err()
}

func (c *countingCtx) count() {
	c.mu.Lock()
	c.n++
	stop := c.n == spinLimit
	if stop {
		c.isHeld = true
	}
	var now func()
	if c.n == c.look {
		now = c.atIt
	}
	c.mu.Unlock()
	if now != nil {
		now()
	}
	if stop {
		<-c.hold
	}
}

// held reports whether the context is holding a spinning Run.
func (c *countingCtx) held() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.isHeld
}

// unhold lets a held Run go on; the context holds nothing any more.
func (c *countingCtx) unhold() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.isHeld || c.n < spinLimit {
		c.n = spinLimit + 1 // never hold again
		select {
		case <-c.hold:
		default:
			close(c.hold)
		}
	}
	c.isHeld = false
}

// fakeSink records the lines it is given. It can hold the first line, as a
// slow log service would, until release.
type fakeSink struct {
	mu   sync.Mutex
	got  []logship.Line
	gate chan struct{} // non-nil: the first Ship waits for it
}

// Ship implements logship.Sink.
func (f *fakeSink) Ship(l logship.Line) error {
	f.mu.Lock()
	f.got = append(f.got, l)
	gate := f.gate
	first := len(f.got) == 1
	f.mu.Unlock()
	if first && gate != nil {
		<-gate
	}
	return nil
}

// holdFirst makes the first Ship wait until release.
func (f *fakeSink) holdFirst() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gate = make(chan struct{})
}

// release lets a held Ship return.
func (f *fakeSink) release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gate != nil {
		select {
		case <-f.gate:
		default:
			close(f.gate)
		}
	}
}

// lines returns what the log has got so far.
func (f *fakeSink) lines() []logship.Line {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]logship.Line(nil), f.got...)
}
