package thumbs_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gokatas/concurrency/internal/katatest"
	thumbs "github.com/gokatas/concurrency/katas/05-gomaxprocs"
)

// The tests run in a testing/synctest bubble: synctest.Wait returns once
// every goroutine Run has started, however it started them, is parked. The
// fake resizer holds each resize until the test lets it finish, so at that
// point the test sees how Run spread the album out.

// TestRun resizes whole albums, with GOMAXPROCS set the way a container's
// CPU limit sets it.
func TestRun(t *testing.T) {
	tests := []struct {
		name    string
		procs   int  // GOMAXPROCS during the case
		images  int  // images in the album
		corrupt bool // the fourth image cannot be read
	}{
		// Since Go 1.25, GOMAXPROCS starts at a container's CPU limit, not at
		// runtime.NumCPU().
		{name: "an album on a CPU limit below the host's CPU count", procs: belowHostCPUs(), images: 16, corrupt: true},
		{name: "an album on two CPUs", procs: 2, images: 16},
		{name: "an empty album", procs: 2, images: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			katatest.SetGOMAXPROCS(t, tt.procs)
			katatest.Synctest(t, func(t *testing.T) {
				r := newFakeResizer(t)
				imgs := album("IMG", tt.images, tt.corrupt)
				run := startRun(context.Background(), &thumbs.Batch{Resizer: r}, imgs)

				synctest.Wait() // Run has started every resize it is going to start
				assertPool(t, run, r, tt.procs, len(imgs))
				finishInRounds(t, run, r, tt.procs)

				rep, err := run.result(t, r)
				require.NoError(t, err)
				assertReport(t, rep, imgs)
			})
		})
	}
}

// TestRunDeletedAlbum deletes the album while its first images are resized.
// A resize cannot be interrupted: Run must start no new image, wait for the
// resizes under way, and return the context's error. Nothing it started may
// outlive it.
//
// On a big machine many resizes finish together after the deletion, and
// each goroutine that comes back for the next image must see the deletion.
// A select between ctx.Done() and the next image does not: when both are
// ready it picks one at random, so with 64 of them one starts a new image in
// all but one run in 2^64.
func TestRunDeletedAlbum(t *testing.T) {
	for _, procs := range []int{2, manyProcs} {
		t.Run(fmt.Sprintf("GOMAXPROCS=%d", procs), func(t *testing.T) {
			katatest.SetGOMAXPROCS(t, procs)
			katatest.Synctest(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				r := newFakeResizer(t)
				images := 8 * procs
				run := startRun(ctx, &thumbs.Batch{Resizer: r}, album("IMG", images, false))

				synctest.Wait()
				assertPool(t, run, r, procs, images)
				underWay := r.gate.Held()

				cancel() // the user deletes the album
				// A resize takes as long as it takes. (On the bubble's fake
				// clock, this minute passes at once.)
				time.Sleep(time.Minute)
				synctest.Wait()
				assert.False(t, run.Returned(), "Run returned while %d resizes it started were still running", underWay)

				r.gate.Let(underWay) // the resizes under way finish
				synctest.Wait()
				assert.Equal(t, underWay, r.gate.Entered(),
					"images started after the album was deleted: each one is wasted CPU")
				_, err := run.result(t, r)
				require.ErrorIs(t, err, context.Canceled)
			})
		})
	}
}

// TestRunAlbumDeletedBeforeRun calls Run with a context cancelled already: it
// must start no image at all, however many goroutines look for one (see
// TestRunDeletedAlbum).
func TestRunAlbumDeletedBeforeRun(t *testing.T) {
	for _, procs := range []int{2, manyProcs} {
		t.Run(fmt.Sprintf("GOMAXPROCS=%d", procs), func(t *testing.T) {
			katatest.SetGOMAXPROCS(t, procs)
			katatest.Synctest(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				r := newFakeResizer(t)
				run := startRun(ctx, &thumbs.Batch{Resizer: r}, album("IMG", 8*procs, false))

				_, err := run.result(t, r)
				require.ErrorIs(t, err, context.Canceled)
				assert.Zero(t, r.gate.Entered(), "images started for an album deleted before Run was called")
			})
		})
	}
}

// manyProcs is the GOMAXPROCS of a big machine: as many goroutines as that
// come back for the next image at the same moment.
const manyProcs = 64

// TestRunTwoAlbumsAtOnce uploads two albums to one Batch at the same time:
// each report counts its own album, and only it.
func TestRunTwoAlbumsAtOnce(t *testing.T) {
	katatest.SetGOMAXPROCS(t, 2)
	katatest.Synctest(t, func(t *testing.T) {
		r := newFakeResizer(t)
		b := &thumbs.Batch{Resizer: r}
		holiday, wedding := album("HOLIDAY", 5, true), album("WEDDING", 12, false)
		first := startRun(context.Background(), b, holiday)
		second := startRun(context.Background(), b, wedding)

		synctest.Wait() // both Runs have started all they are going to start
		r.gate.Open()
		rep, err := first.result(t, r)
		require.NoError(t, err)
		assertReport(t, rep, holiday)
		rep, err = second.result(t, r)
		require.NoError(t, err)
		assertReport(t, rep, wedding)
	})
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

// assertPool checks how Run has spread an album of n images out, once every
// goroutine it started is parked: GOMAXPROCS untouched, one resize per
// GOMAXPROCS under way, and a fixed pool of goroutines.
func assertPool(t *testing.T, run *runCall, r *fakeResizer, procs, n int) {
	t.Helper()
	assert.Equal(t, procs, runtime.GOMAXPROCS(0),
		"Run changed GOMAXPROCS: it is the process's setting (the container's CPU limit), not Run's")
	assert.Equal(t, min(procs, n), r.gate.Held(),
		"images resized at the same time: want one per GOMAXPROCS, the CPUs this process may use")
	assert.LessOrEqual(t, len(run.Goroutines()), procs+2,
		"goroutines Run has started for %d images: want a fixed pool, not one per image", n)
}

// finishInRounds lets the resizes under way finish together, round after
// round, until Run starts no more. Whatever Run's goroutines do between two
// resizes, they do at the same time, with nothing of the test's between
// them. At every round, Run may resize at most one image per GOMAXPROCS and
// keep its fixed pool (checked while the test has not failed yet, so that
// one mistake is reported once).
func finishInRounds(t *testing.T, run *runCall, r *fakeResizer, procs int) {
	t.Helper()
	for r.gate.Held() > 0 {
		r.gate.Let(r.gate.Held())
		synctest.Wait()
		if t.Failed() {
			continue
		}
		assert.LessOrEqual(t, r.gate.Held(), procs,
			"images resized at the same time: want at most one per GOMAXPROCS")
		assert.LessOrEqual(t, len(run.Goroutines()), procs+2,
			"goroutines Run has started: want a fixed pool, not one per image")
	}
}

// assertReport checks a finished album's report: a thumbnail for every
// image but the corrupt one, and counts that add up.
func assertReport(t *testing.T, rep thumbs.Report, imgs []thumbs.Image) {
	t.Helper()
	failed := 0
	require.Len(t, rep.Thumbs, len(imgs), "thumbnails")
	for i, img := range imgs {
		if img.Name == corruptName {
			failed++
			assert.Zero(t, rep.Thumbs[i], "thumbnail of a corrupt image")
			continue
		}
		assert.Equal(t, img.Name+"-thumb", rep.Thumbs[i].Name, "thumbnail %d", i)
	}
	assert.Equal(t, len(imgs)-failed, rep.Resized, "images resized")
	assert.Equal(t, failed, rep.Failed, "images failed")
}

// belowHostCPUs returns a GOMAXPROCS that differs from runtime.NumCPU(), as a
// container's CPU limit does: one below the host's count, or 2 on a 1-CPU host.
func belowHostCPUs() int {
	if n := runtime.NumCPU(); n > 1 {
		return n - 1
	}
	return 2
}

// corruptName is the name of an image the fake resizer cannot read.
const corruptName = "corrupt"

// errCorrupt is what the fake resizer answers for a corrupt image.
var errCorrupt = errors.New("image: unknown format")

// album returns n images named after prefix; with corrupt, the fourth one
// cannot be read.
func album(prefix string, n int, corrupt bool) []thumbs.Image {
	imgs := make([]thumbs.Image, n)
	for i := range imgs {
		imgs[i] = thumbs.Image{Name: fmt.Sprintf("%s_%04d", prefix, i), Data: []byte{byte(i)}}
	}
	if corrupt && n > 3 {
		imgs[3].Name = corruptName
	}
	return imgs
}

// runCall is a call of Batch.Run on a goroutine of its own.
type runCall struct {
	*katatest.BubbleCall
	rep thumbs.Report
	err error
}

func startRun(ctx context.Context, b *thumbs.Batch, imgs []thumbs.Image) *runCall {
	c := &runCall{}
	c.BubbleCall = katatest.StartInBubble(func() { c.rep, c.err = b.Run(ctx, imgs) })
	return c
}

// result returns what Run returned. If Run is still waiting for resizes the
// test holds, they are let finish first. A Run that has still not returned
// after a minute of the bubble's fake clock (no real time) waits for
// something that never comes: the test stops there.
func (c *runCall) result(t *testing.T, r *fakeResizer) (thumbs.Report, error) {
	t.Helper()
	synctest.Wait()
	if !c.Returned() && r.gate.Held() > 0 {
		r.gate.Open()
	}
	select {
	case <-c.Done():
		return c.rep, c.err
	case <-time.After(time.Minute):
		t.Fatalf("%s Run did not return: every resize has finished, and it waits for something that never comes",
			katatest.DeadlockMarker)
		return thumbs.Report{}, nil
	}
}

// fakeResizer holds every resize in a gate until the test lets it finish,
// without using any CPU and without looking at ctx: a real resize cannot be
// stopped halfway either.
type fakeResizer struct {
	gate katatest.Gate
}

// newFakeResizer returns a resizer that lets everything through once the
// test is over, so that goroutines left behind can end.
func newFakeResizer(t *testing.T) *fakeResizer {
	r := &fakeResizer{}
	t.Cleanup(r.gate.Open)
	return r
}

func (r *fakeResizer) Resize(ctx context.Context, img thumbs.Image) (thumbs.Thumbnail, error) {
	r.gate.Enter()
	if img.Name == corruptName {
		return thumbs.Thumbnail{}, errCorrupt
	}
	return thumbs.Thumbnail{Name: img.Name + "-thumb", Data: img.Data}, nil
}

// cpuResizer burns real CPU: it hashes the image rounds times over.
type cpuResizer struct{ rounds int }

func (c cpuResizer) Resize(ctx context.Context, img thumbs.Image) (thumbs.Thumbnail, error) {
	h := sha256.New()
	for range c.rounds {
		h.Write(img.Data)
	}
	return thumbs.Thumbnail{Name: img.Name, Data: h.Sum(nil)}, nil
}
