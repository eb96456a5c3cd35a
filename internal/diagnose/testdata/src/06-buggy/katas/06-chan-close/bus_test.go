package bus_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/katatest"
	bus "github.com/gokatas/concurrency/katas/06-chan-close"
)

// How the tests wait: katatest.WaitIdle returns once every goroutine of the
// test binary is blocked, so the bus has done all it can without the test's
// help. katatest.Completes, and katatest.Go with Wait, fail with a "deadlock
// guard:" message as soon as a call is blocked and nothing is left to wake
// it; katatest.Returns does the same for an event the test waits for. None
// of them uses a clock, so a loaded machine changes nothing.

// TestSlowSubscriber publishes a busy minute's events to two subscribers.
// The audit log is slow: its handler is still busy with the first event
// while the others are published. Both subscribers must get every event, in
// order.
func TestSlowSubscriber(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	b := bus.New(1)
	audit := newRecorder(true)
	mail := newRecorder(false)
	b.Subscribe(1, audit.handle)
	b.Subscribe(1, mail.handle)

	if !publish(t, b, 1) || !katatest.Returns(t, "the audit log's first event", audit.entered) {
		audit.release()
		return
	}
	var err error
	published := katatest.Go("Publish", func() { _, err = publishAll(b, 2, busyMinute) })
	katatest.WaitIdle(t, "the bus with a slow subscriber")
	audit.release() // the audit log catches up
	if !published.Wait(t) {
		return
	}
	require.NoError(t, err)
	if !katatest.Completes(t, "Close", b.Close) {
		return
	}
	assertEvery(t, "the slow audit log", audit.seqs(), busyMinute)
	assertEvery(t, "the e-mail sender", mail.seqs(), busyMinute)
}

// busyMinute is how many events the checkout publishes in a busy minute:
// far more than any subscriber's buffer.
const busyMinute = 200

// TestShutdown shuts the bus down the ways our services do. A panic on any
// goroutine ends the whole process, and the bus's own goroutines are out of
// any test's reach, so every case runs in a process of its own: a crash is
// reported as this test's failure, with the panic and the line of bus.go
// where it happened, instead of ending the test run.
func TestShutdown(t *testing.T) {
	tests := []struct {
		name     string
		scenario func(t *testing.T, b *bus.Bus)
	}{
		{
			// main defers Close, and the signal handler closes the bus too.
			name: "Close twice",
			scenario: func(t *testing.T, b *bus.Bus) {
				b.Subscribe(1, newRecorder(false).handle)
				if katatest.Completes(t, "the first Close", b.Close) {
					katatest.Completes(t, "the second Close", b.Close)
				}
			},
		},
		{
			// The bus is closed first; each service's deferred
			// Unsubscribe runs afterwards.
			name: "Unsubscribe after Close",
			scenario: func(t *testing.T, b *bus.Bus) {
				s := b.Subscribe(1, newRecorder(false).handle)
				if katatest.Completes(t, "Close", b.Close) {
					katatest.Completes(t, "Unsubscribe", s.Unsubscribe)
				}
			},
		},
		{
			name: "Unsubscribe twice",
			scenario: func(t *testing.T, b *bus.Bus) {
				s := b.Subscribe(1, newRecorder(false).handle)
				if katatest.Completes(t, "the first Unsubscribe", s.Unsubscribe) {
					katatest.Completes(t, "the second Unsubscribe", s.Unsubscribe)
				}
				katatest.Completes(t, "Close", b.Close)
			},
		},
		{
			// A late checkout request after the bus has closed.
			name: "an event published after Close is refused",
			scenario: func(t *testing.T, b *bus.Bus) {
				rec := newRecorder(false)
				b.Subscribe(1, rec.handle)
				if !katatest.Completes(t, "Close", b.Close) {
					return
				}
				var err error
				if !katatest.Completes(t, "Publish", func() { err = b.Publish(event(1)) }) {
					return
				}
				katatest.WaitIdle(t, "the bus after a late Publish") // let the bus do what it does with it
				assert.ErrorIs(t, err, bus.ErrClosed, "Publish after Close")
				assert.Empty(t, rec.seqs(), "events delivered after Close")
			},
		},
		{
			// A service that starts while the others shut down.
			name: "a subscriber that comes after Close is stopped",
			scenario: func(t *testing.T, b *bus.Bus) {
				if !katatest.Completes(t, "Close", b.Close) {
					return
				}
				rec := newRecorder(false)
				b.Subscribe(1, rec.handle)
				katatest.WaitIdle(t, "the late subscriber")
				assert.Empty(t, rec.seqs(), "events delivered after Close")
			},
		},
		{
			name: "Close delivers what was published and waits for the handlers",
			scenario: func(t *testing.T, b *bus.Bus) {
				audit := newRecorder(true)
				b.Subscribe(1, audit.handle)
				if !publish(t, b, 1) || !katatest.Returns(t, "the audit log's first event", audit.entered) {
					audit.release()
					return
				}
				var err error
				published := katatest.Go("Publish", func() { _, err = publishAll(b, 2, 3) })
				katatest.WaitIdle(t, "the bus with a slow subscriber")
				closed := katatest.Go("Close", b.Close)
				katatest.WaitIdle(t, "Close with a busy handler")
				if closed.Returned() {
					assert.Fail(t, "Close returned while a handler was still busy")
				}
				audit.release()
				okPub := published.Wait(t)
				if closed.Wait(t) && okPub {
					assert.NoError(t, err)
					assert.Equal(t, []int{1, 2, 3}, audit.seqs(), "events the audit log got")
				}
			},
		},
		{
			// The signal handler's Close and main's deferred Close run
			// at the same time: main exits as soon as its Close
			// returns, so neither may return before the handlers have.
			name: "a second Close waits for the handlers too",
			scenario: func(t *testing.T, b *bus.Bus) {
				audit := newRecorder(true)
				b.Subscribe(1, audit.handle)
				if !publish(t, b, 1) || !katatest.Returns(t, "the audit log's first event", audit.entered) {
					audit.release()
					return
				}
				first := katatest.Go("the signal handler's Close", b.Close)
				katatest.WaitIdle(t, "Close with a busy handler")
				second := katatest.Go("main's deferred Close", b.Close)
				katatest.WaitIdle(t, "two Close calls with a busy handler")
				if second.Returned() {
					assert.Fail(t, "the second Close returned while a handler was still busy")
				}
				audit.release()
				okFirst := first.Wait(t)
				if second.Wait(t) && okFirst {
					assert.Equal(t, []int{1}, audit.seqs(), "events the audit log got")
				}
			},
		},
		{
			// The queue is full and a publisher waits for room in it
			// when the bus is closed.
			name: "Close while a publisher waits",
			scenario: func(t *testing.T, b *bus.Bus) {
				audit := newRecorder(true)
				b.Subscribe(1, audit.handle)
				if !publish(t, b, 1) || !katatest.Returns(t, "the audit log's first event", audit.entered) {
					audit.release()
					return
				}
				var last int
				var err error
				published := katatest.Go("Publish", func() { last, err = publishAll(b, 2, busyMinute) })
				katatest.WaitIdle(t, "a publisher waiting for room")
				closed := katatest.Go("Close", b.Close)
				katatest.WaitIdle(t, "Close with a publisher waiting")
				audit.release()
				okPub := published.Wait(t)
				if !closed.Wait(t) || !okPub {
					return
				}
				if last < busyMinute {
					assert.ErrorIs(t, err, bus.ErrClosed, "Publish after Close")
				}
				assertEvery(t, "the audit log", audit.seqs(), last) // every event Publish accepted, and no other
			},
		},
		{
			// The audit log's service unsubscribes on its way down, and
			// then closes the store its handler writes to.
			name: "Unsubscribe waits for the handler",
			scenario: func(t *testing.T, b *bus.Bus) {
				audit := newRecorder(true)
				s := b.Subscribe(1, audit.handle)
				if !publish(t, b, 1) || !katatest.Returns(t, "the audit log's first event", audit.entered) {
					audit.release()
					return
				}
				unsubscribed := katatest.Go("Unsubscribe", s.Unsubscribe)
				katatest.WaitIdle(t, "Unsubscribe with a busy handler")
				if unsubscribed.Returned() {
					assert.Fail(t, "Unsubscribe returned while its handler was still busy")
				}
				audit.release()
				if unsubscribed.Wait(t) {
					katatest.Completes(t, "Close", b.Close)
				}
			},
		},
		{
			// The audit log's service unsubscribes on its way down
			// while the bus is closing: its Unsubscribe must wait for
			// the handler just the same, whoever stops the
			// subscription.
			name: "Unsubscribe during Close waits for the handler",
			scenario: func(t *testing.T, b *bus.Bus) {
				audit := newRecorder(true)
				s := b.Subscribe(1, audit.handle)
				if !publish(t, b, 1) || !katatest.Returns(t, "the audit log's first event", audit.entered) {
					audit.release()
					return
				}
				closed := katatest.Go("Close", b.Close)
				katatest.WaitIdle(t, "Close with a busy handler")
				unsubscribed := katatest.Go("Unsubscribe", s.Unsubscribe)
				katatest.WaitIdle(t, "Unsubscribe during Close with a busy handler")
				if unsubscribed.Returned() {
					assert.Fail(t, "Unsubscribe returned while its handler was still busy")
				}
				audit.release()
				okClose := closed.Wait(t)
				if unsubscribed.Wait(t) && okClose {
					assert.Equal(t, []int{1}, audit.seqs(), "events the audit log got")
				}
			},
		},
		{
			// The audit log is slow and unsubscribes while events are
			// still waiting for it.
			name: "a slow subscriber unsubscribes",
			scenario: func(t *testing.T, b *bus.Bus) {
				audit := newRecorder(true)
				s := b.Subscribe(1, audit.handle)
				if !publish(t, b, 1) || !katatest.Returns(t, "the audit log's first event", audit.entered) {
					audit.release()
					return
				}
				var err error
				published := katatest.Go("Publish", func() { _, err = publishAll(b, 2, 4) })
				katatest.WaitIdle(t, "the bus with a slow subscriber")
				unsubscribed := katatest.Go("Unsubscribe", s.Unsubscribe)
				katatest.WaitIdle(t, "Unsubscribe with a busy handler")
				audit.release()
				okPub := published.Wait(t)
				okUnsub := unsubscribed.Wait(t)
				if !okPub || !okUnsub || !katatest.Completes(t, "Close", b.Close) {
					return
				}
				assert.NoError(t, err)
				got := audit.seqs()
				require.NotEmpty(t, got)
				assert.Equal(t, []int{1, 2, 3, 4}[:len(got)], got, "the audit log's events, in order and with no gap, until it unsubscribed")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

			crash := katatest.InOwnProcess(t, func(t *testing.T) {
				tt.scenario(t, bus.New(4))
			})
			if crash != nil {
				assert.Fail(t, "the process crashed: "+crash.Summary(),
					"a panic that no recover on its own goroutine catches ends the program: in production the order service restarts, and every event in flight is lost")
			}
		})
	}
}

// event returns the checkout's event number seq.
func event(seq int) bus.Event {
	kinds := []string{"placed", "paid", "packed", "shipped", "delivered"}
	return bus.Event{Order: "A-1001", Kind: kinds[(seq-1)%len(kinds)], Seq: seq}
}

// publish publishes event seq under the deadlock guard and checks that the
// bus took it.
func publish(t *testing.T, b *bus.Bus, seq int) bool {
	t.Helper()
	var err error
	if !katatest.Completes(t, fmt.Sprintf("Publish of event %d", seq), func() { err = b.Publish(event(seq)) }) {
		return false
	}
	return assert.NoError(t, err, "Publish of event %d", seq)
}

// publishAll publishes events first to last, in order, and stops at the
// first error. It returns the last event Publish accepted.
func publishAll(b *bus.Bus, first, last int) (int, error) {
	for seq := first; seq <= last; seq++ {
		if err := b.Publish(event(seq)); err != nil {
			return seq - 1, fmt.Errorf("Publish of event %d: %w", seq, err)
		}
	}
	return last, nil
}

// assertEvery checks that a subscriber got events 1 to n, each once, in
// order, and says which one went missing first when it did not.
func assertEvery(t *testing.T, who string, got []int, n int) {
	t.Helper()
	first := len(got) + 1 // the first event not where it belongs
	for i, seq := range got {
		if seq != i+1 {
			first = i + 1
			break
		}
	}
	if first > n && len(got) == n {
		return
	}
	shown := got[:min(len(got), 20)]
	assert.Fail(t, fmt.Sprintf("%s got %d of %d events; the first one missing or out of order is event %d", who, len(got), n, first),
		"it got %v", shown)
}

// recorder is a subscriber's handler that records the sequence numbers it
// is given. A slow recorder keeps its handler busy with the first event
// until the test calls release.
type recorder struct {
	entered chan struct{} // closed when the first event arrives
	hold    chan struct{} // a slow recorder's first event waits for it
	once    sync.Once

	mu  sync.Mutex
	got []int
}

func newRecorder(slow bool) *recorder {
	r := &recorder{entered: make(chan struct{})}
	if slow {
		r.hold = make(chan struct{})
	}
	return r
}

func (r *recorder) handle(ev bus.Event) {
	r.mu.Lock()
	r.got = append(r.got, ev.Seq)
	first := len(r.got) == 1
	r.mu.Unlock()
	if first {
		close(r.entered)
		if r.hold != nil {
			<-r.hold
		}
	}
}

// release lets a slow recorder's handler go on.
func (r *recorder) release() {
	if r.hold != nil {
		r.once.Do(func() { close(r.hold) })
	}
}

// seqs returns the sequence numbers the handler has been given so far.
func (r *recorder) seqs() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int(nil), r.got...)
}
