// Package thumbs makes the thumbnails of a photo upload. An album arrives as
// one batch of images; resizing them is pure CPU work, so the batch is spread
// over several goroutines.
package thumbs

import (
	"context"
	"runtime"
	"sync"
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
// Run stops starting new images and returns ctx's error.
func (b *Batch) Run(ctx context.Context, imgs []Image) (Report, error) {
	// Resizing is CPU-bound: make sure the runtime uses every core, and run
	// one resize per core.
	runtime.GOMAXPROCS(runtime.NumCPU())
	slots := make(chan struct{}, runtime.NumCPU())

	rep := Report{Thumbs: make([]Thumbnail, len(imgs))}
	var wg sync.WaitGroup
	for i, img := range imgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()

			th, err := b.Resizer.Resize(ctx, img)
			if err != nil {
				rep.Failed++
				return
			}
			rep.Thumbs[i] = th
			rep.Resized++
		}()
	}

	finished := make(chan struct{})
	go func() {
		wg.Wait()
		close(finished)
	}()
	select {
	case <-finished:
		return rep, nil
	case <-ctx.Done():
		return Report{}, ctx.Err()
	}
}
