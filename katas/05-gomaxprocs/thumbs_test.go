package thumbs_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/katatest"
	thumbs "github.com/gokatas/concurrency/katas/05-gomaxprocs"
)

// errCorrupt is what the fake resizer answers for an image named "corrupt".
var errCorrupt = errors.New("image: unknown format")

// TestRun runs a batch with its resizes held back until the test has seen
// how Run spread them out. GOMAXPROCS is set for each case the way a
// container's CPU limit sets it, and restored afterwards.
func TestRun(t *testing.T) {
	tests := []struct {
		name    string
		procs   int  // GOMAXPROCS during the case
		images  int  // images in the album
		corrupt bool // the fourth image cannot be read
		cancel  bool // delete the album while the first resizes run
		wantErr error
	}{
		{
			// A container limited to fewer CPUs than the host has: since Go
			// 1.25, GOMAXPROCS starts at the limit, not at runtime.NumCPU().
			name:    "an album on a CPU limit below the host's CPU count",
			procs:   belowHostCPUs(),
			images:  16,
			corrupt: true,
		},
		{
			name:   "an album on two CPUs",
			procs:  2,
			images: 16,
		},
		{
			name:    "an album deleted while it is resized",
			procs:   2,
			images:  16,
			cancel:  true,
			wantErr: context.Canceled,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			setGOMAXPROCS(t, tt.procs)

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			r := newFakeResizer()
			b := &thumbs.Batch{Resizer: r}
			imgs := album(tt.images, tt.corrupt)

			var rep thumbs.Report
			var err error
			done := make(chan struct{})
			go func() {
				defer close(done)
				rep, err = b.Run(ctx, imgs)
			}()

			// Every worker Run could start is now parked, most of them
			// inside the resizer: count them before letting any finish.
			settle(t, func() bool { return r.active.Load() > 0 })
			running := int(r.active.Load())
			assert.Equal(t, tt.procs, runtime.GOMAXPROCS(0),
				"Run changed GOMAXPROCS: it is the process's setting (the container's CPU limit), not Run's")
			assert.Equal(t, tt.procs, int(r.peak.Load()),
				"images resized at the same time: want one per GOMAXPROCS, the CPUs this process may use")
			assert.LessOrEqual(t, goroutinesOf(runFrame), tt.procs+2,
				"goroutines Run has started for %d images: want a fixed pool, not one per image", tt.images)

			if tt.cancel {
				cancel()
				// Run has to wait for the resizes under way: it may not
				// return, or stop, before they finish.
				settle(t, func() bool { return true })
				select {
				case <-done:
					assert.Fail(t, "Run returned while resizes it started were still running",
						"%d resizes under way", running)
				default:
				}
				r.finish(running) // the resizes under way finish; nothing else may start
			} else {
				r.finishAll()
			}
			if !katatest.Within(t, katatest.GuardTimeout, "Run", func() { <-done }) {
				return
			}

			// Let anything Run left behind reach the resizer, or block on
			// the way there, before looking at the counts.
			settle(t, func() bool { return true })
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Equal(t, running, int(r.calls.Load()),
					"images started after the album was deleted: each one is wasted CPU")
				return
			}
			require.NoError(t, err)
			failed := 0
			if tt.corrupt {
				failed = 1
			}
			assert.Equal(t, tt.images-failed, rep.Resized, "resized")
			assert.Equal(t, failed, rep.Failed, "failed")
			require.Len(t, rep.Thumbs, tt.images)
			for i, img := range imgs {
				if img.Name == "corrupt" {
					assert.Zero(t, rep.Thumbs[i], "thumbnail of a corrupt image")
					continue
				}
				assert.Equal(t, img.Name+"-thumb", rep.Thumbs[i].Name, "thumbnail %d", i)
			}
		})
	}
}

// BenchmarkRun resizes an album with real CPU work per image (hashing 256
// KiB stands in for decoding and scaling). Compare the -cpu values:
//
//	go test -run '^$' -bench Run -cpu 1,2,4 ./katas/05-gomaxprocs/
//
// Images per second grow with GOMAXPROCS up to the number of CPUs the
// process may really use, and not beyond. A Run that changes GOMAXPROCS makes
// every -cpu value measure the same thing, and testing then complains:
// "testing: BenchmarkRun left GOMAXPROCS set to ...".
//
// The loop is "for range b.N", not b.Loop: testing starts a benchmark with
// one round at whatever GOMAXPROCS the previous -cpu value left behind
// (golang/go#49980), and with b.Loop that round is the whole measurement.
func BenchmarkRun(b *testing.B) {
	imgs := make([]thumbs.Image, 64)
	for i := range imgs {
		imgs[i] = thumbs.Image{Name: fmt.Sprintf("img-%02d", i), Data: make([]byte, 16<<10)}
	}
	batch := &thumbs.Batch{Resizer: cpuResizer{rounds: 16}}
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		if _, err := batch.Run(ctx, imgs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(imgs))/b.Elapsed().Seconds(), "images/s")
}

// belowHostCPUs returns a GOMAXPROCS that differs from runtime.NumCPU(), as a
// container's CPU limit does: one below the host's count, or 2 on a 1-CPU host.
func belowHostCPUs() int {
	if n := runtime.NumCPU(); n > 1 {
		return n - 1
	}
	return 2
}

// setGOMAXPROCS sets GOMAXPROCS for the rest of the test and restores the
// previous value afterwards. (runtime.SetDefaultGOMAXPROCS would not do: it
// ignores the GOMAXPROCS environment variable the test binary may run with.)
func setGOMAXPROCS(t *testing.T, n int) {
	t.Helper()
	prev := runtime.GOMAXPROCS(n)
	t.Cleanup(func() { runtime.GOMAXPROCS(prev) })
}

// album returns n images; with corrupt, the fourth one cannot be read.
func album(n int, corrupt bool) []thumbs.Image {
	imgs := make([]thumbs.Image, n)
	for i := range imgs {
		imgs[i] = thumbs.Image{Name: fmt.Sprintf("IMG_%04d", i), Data: []byte{byte(i)}}
	}
	if corrupt && n > 3 {
		imgs[3].Name = "corrupt"
	}
	return imgs
}

// fakeResizer blocks every resize until the test hands it a token, without
// using any CPU and without looking at ctx: a real resize cannot be stopped
// halfway either. It counts the resizes under way, at most, and in all.
type fakeResizer struct {
	tokens chan struct{}
	once   sync.Once

	active atomic.Int32 // resizes under way
	peak   atomic.Int32 // the most resizes ever under way at once
	calls  atomic.Int32 // resizes started
}

func newFakeResizer() *fakeResizer {
	return &fakeResizer{tokens: make(chan struct{}, 1024)}
}

func (r *fakeResizer) Resize(ctx context.Context, img thumbs.Image) (thumbs.Thumbnail, error) {
	r.calls.Add(1)
	n := r.active.Add(1)
	for p := r.peak.Load(); n > p && !r.peak.CompareAndSwap(p, n); p = r.peak.Load() {
	}
	<-r.tokens
	r.active.Add(-1)
	if img.Name == "corrupt" {
		return thumbs.Thumbnail{}, errCorrupt
	}
	return thumbs.Thumbnail{Name: img.Name + "-thumb", Data: img.Data}, nil
}

// finish lets n resizes complete, those under way first.
func (r *fakeResizer) finish(n int) {
	for range n {
		r.tokens <- struct{}{}
	}
}

// finishAll lets every resize, present and future, complete.
func (r *fakeResizer) finishAll() { r.once.Do(func() { close(r.tokens) }) }

// cpuResizer burns real CPU: it hashes the image rounds times over.
type cpuResizer struct{ rounds int }

func (c cpuResizer) Resize(ctx context.Context, img thumbs.Image) (thumbs.Thumbnail, error) {
	h := sha256.New()
	for range c.rounds {
		h.Write(img.Data)
	}
	return thumbs.Thumbnail{Name: img.Name, Data: h.Sum(nil)}, nil
}

// runFrame is how code of the package under test shows in a stack dump; the
// test's own frames show as "05-gomaxprocs_test." and do not match.
const runFrame = "katas/05-gomaxprocs."

// settle waits, for up to the guard timeout, until ready reports true and
// every goroutine running code of the package under test is parked. It reads
// goroutine stack dumps, which synchronise with nothing, so it hides no race
// from the race detector.
func settle(t *testing.T, ready func() bool) {
	t.Helper()
	deadline := time.Now().Add(katatest.GuardTimeout)
	for time.Now().Before(deadline) {
		if ready() && allParked(runFrame) {
			return
		}
		time.Sleep(200 * time.Microsecond)
	}
	t.Errorf("%s the goroutines of Run did not settle within %v", katatest.DeadlockMarker, katatest.GuardTimeout)
}

// allParked reports whether every goroutine whose stack holds frame is
// waiting (on a channel, a lock, a WaitGroup...) rather than running. A
// goroutine in time.Sleep counts as running: it is going to go on.
func allParked(frame string) bool {
	for _, g := range katatest.Goroutines() {
		if !strings.Contains(g.Stack, frame) {
			continue
		}
		for _, s := range []string{"running", "runnable", "syscall", "preempted", "sleep"} {
			if strings.HasPrefix(g.State, s) {
				return false
			}
		}
	}
	return true
}

// goroutinesOf counts the goroutines whose stack holds frame, apart from the
// one that called Run.
func goroutinesOf(frame string) int {
	n := 0
	for _, g := range katatest.Goroutines() {
		if strings.Contains(g.Stack, frame) && !strings.Contains(g.Stack, "TestRun.func") {
			n++
		}
	}
	return n
}
