// Package thumbs makes the thumbnails of a photo upload. An album arrives as
// one batch of images; resizing them is pure CPU work, so the batch is spread
// over several goroutines.
package thumbs

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// Image is one uploaded photo.
type Image struct {
	Name string
	Data []byte
}

// Thumbnail is the small version of an Image.
type Thumbnail struct {
	Name string
	Data []byte
}

// Resizer turns an image into its thumbnail. Decoding, scaling and encoding
// take tens of milliseconds of CPU per photo and cannot be interrupted
// halfway.
type Resizer interface {
	Resize(ctx context.Context, img Image) (Thumbnail, error)
}

// Report is the outcome of a batch, shown on the album's progress page.
type Report struct {
	Thumbs  []Thumbnail // Thumbs[i] belongs to the i-th image; zero if it failed
	Resized int         // images resized
	Failed  int         // images the resizer could not read
}

// Batch resizes albums. Set Resizer before calling Run.
type Batch struct {
	Resizer Resizer
}

// Run resizes every image of an album, several at a time. An image that fails
// is counted and skipped. If ctx is cancelled (the user deleted the album),
// Run stops starting new images and returns ctx's error once the resizes
// already under way have finished.
func (b *Batch) Run(ctx context.Context, imgs []Image) (Report, error) {
	workers := min(runtime.GOMAXPROCS(0), len(imgs))
	thumbs := make([]Thumbnail, len(imgs))
	counts := make([]workerCounts, workers) // one per worker: nothing shared to count
	var next atomic.Int64                   // the next index to claim

	var g group
	for w := range workers {
		g.Go(func() error {
			for {
				if err := ctx.Err(); err != nil {
					return err // album deleted: start no new image
				}
				i := int(next.Add(1) - 1) // claim and test one value: no other worker gets i
				if i >= len(imgs) {
					return nil
				}
				th, err := b.Resizer.Resize(ctx, imgs[i])
				if err != nil {
					counts[w].failed++
					continue
				}
				thumbs[i] = th
				counts[w].resized++
			}
		})
	}
	if err := g.Wait(); err != nil {
		return Report{}, err
	}
	if err := ctx.Err(); err != nil {
		return Report{}, err
	}

	rep := Report{Thumbs: thumbs}
	for _, c := range counts {
		rep.Resized += c.resized
		rep.Failed += c.failed
	}
	return rep, nil
}

// workerCounts are one worker's counts, read only after the group's Wait.
type workerCounts struct {
	resized, failed int
}

// group runs functions on their own goroutines and waits for them all, like
// golang.org/x/sync/errgroup without its context.
type group struct {
	wg   sync.WaitGroup
	once sync.Once
	err  error // the first error any function returned
}

// Go runs fn on a new goroutine.
func (g *group) Go(fn func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := fn(); err != nil {
			g.once.Do(func() { g.err = err })
		}
	}()
}

// Wait waits for every function started by Go and returns the first error.
func (g *group) Wait() error {
	g.wg.Wait()
	return g.err
}
