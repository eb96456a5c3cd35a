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
// Run stops starting new images and returns ctx's error once the resizes
// already under way have finished.
func (b *Batch) Run(ctx context.Context, imgs []Image) (Report, error) {
	workers := min(runtime.GOMAXPROCS(0), len(imgs))
	rep := Report{Thumbs: make([]Thumbnail, len(imgs))}
	var tally tally

	jobs := make(chan int) // unbuffered: Run hands out one image at a time
	var wg sync.WaitGroup
	wg.Add(workers) // before any go statement, never inside the goroutines
	for range workers {
		go func() {
			defer wg.Done()
			for i := range jobs {
				if ctx.Err() != nil {
					continue // handed out as the album was deleted: skip it
				}
				th, err := b.Resizer.Resize(ctx, imgs[i])
				if err != nil {
					tally.fail()
					continue
				}
				rep.Thumbs[i] = th
				tally.resize()
			}
		}()
	}

feed:
	for i := range imgs {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed // album deleted: hand out no more images
		}
	}
	close(jobs) // the workers finish what they hold and return
	wg.Wait()

	if err := ctx.Err(); err != nil {
		return Report{}, err
	}
	rep.Resized, rep.Failed = tally.counts()
	return rep, nil
}

// tally counts the images of one album; its methods are safe for concurrent
// use, and the only code that touches its lock.
type tally struct {
	mu      sync.Mutex
	resized int
	failed  int
}

func (t *tally) resize() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.resized++
}

func (t *tally) fail() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failed++
}

func (t *tally) counts() (resized, failed int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.resized, t.failed
}
