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
	// One worker per P: CPU-bound work cannot run on more threads at once
	// than GOMAXPROCS allows. Read the setting, never change it: since Go
	// 1.25 its default follows the container's CPU limit.
	workers := min(runtime.GOMAXPROCS(0), len(imgs))

	// Every index is queued up front and the channel closed, so a worker
	// never waits for a feeder between two images.
	next := make(chan int, len(imgs))
	for i := range imgs {
		next <- i
	}
	close(next)

	thumbs := make([]Thumbnail, len(imgs))
	var resized, failed atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				if ctx.Err() != nil {
					return // cancelled: start no new image
				}
				th, err := b.Resizer.Resize(ctx, imgs[i])
				if err != nil {
					failed.Add(1)
					continue
				}
				thumbs[i] = th
				resized.Add(1)
			}
		})
	}
	wg.Wait() // nothing Run started outlives it

	if err := ctx.Err(); err != nil {
		return Report{}, err
	}
	return Report{Thumbs: thumbs, Resized: int(resized.Load()), Failed: int(failed.Load())}, nil
}
