// Package gallery builds the album pages of our photo-sharing site. An album
// page shows a thumbnail of every photo in the album, in the album's order.
// The thumbnails come from the image store, a remote service with a quota of
// a few requests at a time per caller, so Album fetches them in parallel,
// never more than Limit at once, and gives up on the page as soon as one
// thumbnail cannot be had.
package gallery

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// ErrBadID is returned for a photo ID that cannot be a photo's.
var ErrBadID = errors.New("gallery: bad photo ID")

// Thumb is one photo's thumbnail.
type Thumb struct {
	ID   string // the photo's ID
	JPEG []byte
}

// Store is the image store.
type Store interface {
	// Thumbnail fetches the thumbnail of photo id. It gives up, and
	// returns ctx's error, when ctx is done.
	Thumbnail(ctx context.Context, id string) (Thumb, error)
}

// Pages builds album pages.
type Pages struct {
	Store Store
	Limit int // the image store's quota: at most this many fetches at once (at least 1)
}

// Album returns the thumbnails of the photos ids, in the order of ids. It
// fails with ErrBadID if an ID is malformed, and with the first error of
// any fetch; either way, no fetch of its own is still running when it
// returns.
func (p *Pages) Album(ctx context.Context, ids []string) ([]Thumb, error) {
	for _, id := range ids {
		if !validID(id) {
			return nil, fmt.Errorf("%w: %q", ErrBadID, id)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // the first failure cancels the fetches still running
	type result struct {
		i   int
		t   Thumb
		err error
	}
	// Room for every result: a fetch that ends after Album has returned
	// never blocks.
	results := make(chan result, len(ids))
	slots := make(chan struct{}, max(p.Limit, 1))
	go func() {
		for i, id := range ids {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				results <- result{i: i, err: ctx.Err()}
				continue
			}
			go func() {
				defer func() { <-slots }()
				t, err := p.Store.Thumbnail(ctx, id)
				if err != nil {
					err = fmt.Errorf("gallery: photo %s: %w", id, err)
				}
				results <- result{i, t, err}
			}()
		}
	}()
	thumbs := make([]Thumb, len(ids))
	for range ids {
		r := <-results
		if r.err != nil {
			return nil, r.err // the page has failed: do not wait for the others
		}
		thumbs[r.i] = r.t
	}
	return thumbs, nil
}

// validID reports whether id can be a photo's ID: "p" and digits.
func validID(id string) bool {
	digits, ok := strings.CutPrefix(id, "p")
	return ok && digits != "" && strings.Trim(digits, "0123456789") == ""
}
