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
	// At most one resize per P at a time.
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))

	thumbs := make([]Thumbnail, len(imgs))
	var resized, failed atomic.Int64
	var wg sync.WaitGroup
	for i, img := range imgs {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return // album deleted while waiting for a slot
			}
			defer func() { <-sem }()
			if ctx.Err() != nil {
				return
			}
			th, err := b.Resizer.Resize(ctx, img)
			if err != nil {
				failed.Add(1)
				return
			}
			thumbs[i] = th
			resized.Add(1)
		})
	}
	wg.Wait()

	if err := ctx.Err(); err != nil {
		return Report{}, err
	}
	return Report{Thumbs: thumbs, Resized: int(resized.Load()), Failed: int(failed.Load())}, nil
}
