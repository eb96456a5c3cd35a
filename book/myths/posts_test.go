package myths

// The tests in this file each disprove one claim of the blog posts the
// workbook was checked against (book/corrections.md lists them).

import (
	"context"
	"expvar"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// Claim: the scheduler is cooperative, so a goroutine spinning in a loop
// without function calls keeps its thread until it yields. Since Go 1.14 the
// runtime preempts it asynchronously (a signal after about 10 ms).
func TestSpinningGoroutineIsPreempted(t *testing.T) {
	defer goleak.VerifyNone(t)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1)) // one P: main runs only if the spinner is preempted

	var stop atomic.Bool
	spinning, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		close(spinning)
		for !stop.Load() { // no call, no channel, no yield
		}
	}()
	<-spinning
	stop.Store(true) // reached only because the spinner lost the P
	<-done
}

// Claim: a select with a default case fixes a send that blocks. It stops
// the blocking by dropping the value, silently.
func TestSelectDefaultDropsValues(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		name     string
		capacity int
		wantSent int
	}{
		{"unbuffered, nobody receiving", 0, 0},
		{"buffer of 2", 2, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch := make(chan int, tc.capacity)
			sent := 0
			for i := range 5 {
				select {
				case ch <- i:
					sent++
				default: // no error, no log: the value is gone
				}
			}
			assert.Equal(t, tc.wantSent, sent)
			assert.Equal(t, tc.wantSent, len(ch), "%d of 5 values dropped", 5-tc.wantSent)
		})
	}
}

// recoverLaterPanic defers a recover, then a call that panics. Deferred
// calls run last-in first-out, so the panic comes first and the earlier
// deferred call recovers it.
func recoverLaterPanic() (recovered any) {
	defer func() { recovered = recover() }()
	defer func() { panic("raised in a later deferred call") }()
	return nil
}

// Claim: an earlier defer cannot recover a panic raised by a later deferred
// call.
func TestEarlierDeferRecoversPanicOfLaterDefer(t *testing.T) {
	defer goleak.VerifyNone(t)
	assert.Equal(t, "raised in a later deferred call", recoverLaterPanic())
}

// Claim: when a child goroutine panics, only that goroutine dies (it
// "leaks"). An unrecovered panic in any goroutine ends the whole process;
// main's recover cannot catch it.
func TestPanicInChildGoroutineCrashesProcess(t *testing.T) {
	defer goleak.VerifyNone(t)
	out, code := runChild(t, "goroutine-panic", nil)
	assert.Equal(t, 2, code, "an unrecovered panic exits with status 2:\n%s", out)
	assert.Contains(t, out, "panic: a child goroutine panics")
	assert.NotContains(t, out, "main goes on")
}

// Claim: sending one value on a channel wakes every goroutine waiting on it.
// A send wakes exactly one receiver; close wakes them all.
func TestSendWakesOneReceiverCloseWakesAll(t *testing.T) {
	defer goleak.VerifyNone(t)
	synctest.Test(t, func(t *testing.T) {
		ch := make(chan struct{})
		var woke atomic.Int32
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() {
				<-ch
				woke.Add(1)
			})
		}
		synctest.Wait() // all three are waiting
		ch <- struct{}{}
		synctest.Wait()
		assert.Equal(t, int32(1), woke.Load(), "one send, one receiver")
		close(ch)
		wg.Wait()
		assert.Equal(t, int32(3), woke.Load(), "close wakes every receiver")
	})
}

// Claim: sync.Pool items expire after some idle time. A Pool has no clock:
// items leave it at garbage collections (a survivor of one GC moves to a
// victim cache, the next GC drops it). Under -race, Put drops a random
// quarter of the items on purpose, so the test counts survivors rather than
// expecting each one.
func TestPoolItemsGoWithGCNotTime(t *testing.T) {
	defer goleak.VerifyNone(t)
	const n = 32
	fill := func(p *sync.Pool) {
		for i := range n {
			p.Put(&i)
		}
	}
	drain := func(p *sync.Pool) (got int) {
		for range n {
			if p.Get() != nil {
				got++
			}
		}
		return got
	}
	synctest.Test(t, func(t *testing.T) {
		var p sync.Pool
		fill(&p)
		time.Sleep(24 * time.Hour) // a fake day of idleness
		// Without -race all n survive, except one if this goroutine now runs
		// on another P (a P's private slot cannot be stolen).
		assert.Positive(t, drain(&p), "items survive a day without a GC")
	})

	var p sync.Pool
	fill(&p)
	runtime.GC()
	assert.Positive(t, drain(&p), "after one GC the items are in the victim cache")
	fill(&p)
	runtime.GC()
	runtime.GC()
	assert.Zero(t, drain(&p), "two GCs empty the pool")
	if raceEnabled {
		t.Log("under -race, Put drops about a quarter of the items at random")
	}
}

// Claim: runtime.Stack(buf, true) shows every goroutine, the runtime's own
// included. It leaves the runtime's system goroutines out, whatever
// GOTRACEBACK says (it forces the default level); a crash with
// GOTRACEBACK=system shows that they exist.
func TestStackOmitsSystemGoroutines(t *testing.T) {
	defer goleak.VerifyNone(t)
	const system = "runtime.forcegchelper" // started by the runtime in every program
	assert.NotContains(t, stacks(), system)
	out, code := runChild(t, "goroutine-panic", []string{"GOTRACEBACK=system"})
	assert.NotEqual(t, 0, code)
	assert.Contains(t, out, system, "the goroutine exists: a crash at GOTRACEBACK=system lists it")
}

// Claim: expvar publishes the number of goroutines. It publishes two
// variables, cmdline and memstats; a goroutine count is yours to publish.
func TestExpvarPublishesCmdlineAndMemstats(t *testing.T) {
	defer goleak.VerifyNone(t)
	var names []string
	expvar.Do(func(kv expvar.KeyValue) { names = append(names, kv.Key) })
	assert.ElementsMatch(t, []string{"cmdline", "memstats"}, names)
}

// Claim: each pending time.AfterFunc holds a goroutine while it waits. No
// goroutine exists until the timer fires; then one runs f.
func TestAfterFuncStartsNoGoroutineUntilItFires(t *testing.T) {
	defer goleak.VerifyNone(t)
	const creator = "created by time.goFunc"
	synctest.Test(t, func(t *testing.T) {
		gate := make(chan struct{})
		for range 100 {
			time.AfterFunc(time.Hour, func() { <-gate })
		}
		assert.Zero(t, strings.Count(stacks(), creator), "100 pending timers, no goroutine")
		time.Sleep(time.Hour)
		synctest.Wait()
		assert.Equal(t, 100, strings.Count(stacks(), creator), "each fired timer runs f in a goroutine")
		close(gate)
	})
}

// Claim: io.ReadAll on a response body hangs unless the body is closed
// first. ReadAll returns at the end of the body; Close comes after.
func TestReadAllReturnsAtEndOfBody(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "the whole body")
	}))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "the whole body", string(body))
}

// Claim: the race detector works only on linux/amd64. The go command
// accepts -race on many platforms, and on macOS it needs no cgo (Go 1.20+).
// go build -n only plans the build, so no cross C compiler is needed.
func TestRaceDetectorPlatforms(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		goos, goarch, cgo string
		wantErr           string // empty: -race is accepted
	}{
		{"linux", "amd64", "1", ""},
		{"linux", "arm64", "1", ""},
		{"windows", "amd64", "1", ""},
		{"darwin", "arm64", "0", ""}, // macOS: no cgo needed
		{"darwin", "amd64", "0", ""},
		{"linux", "amd64", "0", "-race requires cgo"},
		{"linux", "386", "1", "-race is not supported on linux/386"},
	} {
		t.Run(tc.goos+"/"+tc.goarch+"/cgo="+tc.cgo, func(t *testing.T) {
			out, code := goCmd(t, []string{"GOOS=" + tc.goos, "GOARCH=" + tc.goarch, "CGO_ENABLED=" + tc.cgo, "GOFLAGS="},
				"build", "-n", "-race", "./testdata/vetdeadlock")
			if tc.wantErr == "" {
				assert.Equal(t, 0, code, "%s", out)
				return
			}
			assert.NotEqual(t, 0, code)
			assert.Contains(t, out, tc.wantErr)
		})
	}
}

// deepen recurses n frames of about 1 KiB each.
func deepen(n int) byte {
	var pad [1024]byte
	pad[n%len(pad)] = byte(n)
	if n == 0 {
		return pad[0]
	}
	return deepen(n-1) + pad[n%len(pad)]
}

// Claim: a goroutine's stack is capped at a few MB. The default maximum is
// 1 GB on 64-bit platforms (250 MB on 32-bit); a goroutine can grow far
// beyond a few MB.
func TestGoroutineStackLimitIsAGigabyte(t *testing.T) {
	defer goleak.VerifyNone(t)
	prev := debug.SetMaxStack(1 << 30)
	debug.SetMaxStack(prev)
	if strings.HasSuffix(runtime.GOARCH, "64") {
		assert.Equal(t, 1_000_000_000, prev)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		deepen(32 << 10) // about 32 MiB of stack
	}()
	<-done
}

// Claim: a steady stream of readers starves a writer on sync.RWMutex. Once
// a writer waits in Lock, new readers wait behind it.
func TestWaitingWriterBlocksNewReaders(t *testing.T) {
	defer goleak.VerifyNone(t)
	var rw sync.RWMutex
	rw.RLock() // a reader holds the lock
	locked := make(chan struct{})
	go func() {
		rw.Lock()
		close(locked)
		rw.Unlock()
	}()
	for rw.TryRLock() { // readers still get in until the writer announces itself
		rw.RUnlock()
		runtime.Gosched()
	}
	assert.False(t, rw.TryRLock(), "a new reader waits although only a reader holds the lock")
	rw.RUnlock()
	<-locked // the writer got the lock as soon as the old reader left
}

// Claim: http.Transport has KeepAlive and AllowHTTP2 fields. It has
// DisableKeepAlives and ForceAttemptHTTP2; the keep-alive period belongs to
// the net.Dialer.
func TestTransportFieldNames(t *testing.T) {
	defer goleak.VerifyNone(t)
	tr := reflect.TypeFor[http.Transport]()
	for _, name := range []string{"KeepAlive", "AllowHTTP2"} {
		_, ok := tr.FieldByName(name)
		assert.False(t, ok, "http.Transport has no field %s", name)
	}
	for _, name := range []string{"DisableKeepAlives", "ForceAttemptHTTP2", "MaxIdleConnsPerHost", "IdleConnTimeout"} {
		_, ok := tr.FieldByName(name)
		assert.True(t, ok, "http.Transport.%s", name)
	}
	_, ok := reflect.TypeFor[net.Dialer]().FieldByName("KeepAlive")
	assert.True(t, ok, "net.Dialer.KeepAlive")
}

// Claim: a goroutine that outlives its handler is fine as long as it uses
// r.Context(). That context is cancelled when the handler returns;
// context.WithoutCancel keeps its values without the cancellation.
func TestRequestContextEndsWithHandler(t *testing.T) {
	defer goleak.VerifyNone(t)
	type outcome struct {
		reqErr, detachedErr error
		server              any // a value the server put in the request's context
	}
	got := make(chan outcome, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		detached := context.WithoutCancel(ctx)
		go func() { // outlives the handler
			<-ctx.Done()
			got <- outcome{ctx.Err(), detached.Err(), detached.Value(http.ServerContextKey)}
		}()
	}))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	o := <-got
	assert.ErrorIs(t, o.reqErr, context.Canceled, "r.Context() ends when the handler returns")
	assert.NoError(t, o.detachedErr, "WithoutCancel does not")
	assert.NotNil(t, o.server, "and keeps the request context's values")
}
