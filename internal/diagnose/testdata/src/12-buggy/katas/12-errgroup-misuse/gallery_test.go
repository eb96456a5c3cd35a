package gallery_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/katatest"
	gallery "github.com/gokatas/concurrency/katas/12-errgroup-misuse"
)

// How the tests work: every test runs in a testing/synctest bubble, with a
// fake image store that holds each fetch until the test lets that photo
// through, or until the fetch's context is done. A cancelled fetch then
// takes a moment to give up, as a real request does (its connection is
// being closed): it runs until the test calls store.giveUp, so that the test
// can see whether Album returns before its fetches have ended.
// synctest.Wait returns once every goroutine of the bubble is blocked, so
// the test knows exactly which fetches are running, with no clock and no
// sleep; katatest.Synctest adds a leak check at the end of the bubble.

// limit is the image store's quota in every test.
const limit = 4

// TestAlbumInOrder: the store answers in any order; the page shows the
// photos in the album's order, and Album never has more than Limit fetches
// running at once.
func TestAlbumInOrder(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	katatest.Synctest(t, func(t *testing.T) {
		store := newStore()
		t.Cleanup(store.openAll)
		ids := []string{"p1", "p2", "p3", "p4", "p5"}
		call := album(store, context.Background(), ids)
		for _, id := range slices.Backward(ids) { // the last photo answers first
			synctest.Wait()
			store.release(id)
		}
		synctest.Wait()
		require.True(t, call.Returned(), "Album has not returned, though the store has answered every photo")
		require.NoError(t, call.err)
		assert.Equal(t, ids, thumbIDs(call.thumbs), "the page's photos, in the album's order")
		assert.LessOrEqual(t, store.mostAtOnce(), limit, "fetches running at once: the image store's quota is %d", limit)
	})
}

// TestAlbumTwoAnswersAtOnce: the store answers two photos at the same
// moment, which a busy store does all the time.
func TestAlbumTwoAnswersAtOnce(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	katatest.Synctest(t, func(t *testing.T) {
		store := newStore()
		t.Cleanup(store.openAll)
		ids := []string{"p1", "p2"}
		call := album(store, context.Background(), ids)
		synctest.Wait()
		store.release("p2", "p1") // both fetches return together: nothing orders what they do next
		synctest.Wait()
		require.True(t, call.Returned(), "Album has not returned, though the store has answered every photo")
		require.NoError(t, call.err)
		assert.Equal(t, ids, thumbIDs(call.thumbs), "the page's photos, in the album's order")
	})
}

// TestAlbumStopsAtFirstFailure: one photo's thumbnail cannot be had, so the
// page fails. The fetches still running are of no use any more: each costs
// the store's quota, and the next page's fetches wait behind them. Album
// must stop them and return the failure at once.
func TestAlbumStopsAtFirstFailure(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	katatest.Synctest(t, func(t *testing.T) {
		store := newStore()
		t.Cleanup(store.openAll)
		ids := []string{"p1", "p2", "p3", "p4", "p5", "p6"}
		call := album(store, context.Background(), ids)
		synctest.Wait() // four photos are being fetched; two wait for the quota
		running := store.running()
		require.Len(t, running, limit, "fetches running before any answer")
		failed := running[1] // whichever photo: the store does not answer in the album's order
		store.failWith(failed, errUnavailable)
		synctest.Wait()
		assert.Empty(t, store.uncancelled(), "fetches still running, not cancelled, after photo %s failed", failed)
		store.giveUp() // the cancelled fetches end
		synctest.Wait()
		if assert.True(t, call.Returned(), "Album is still waiting for fetches it should have cancelled when photo %s failed", failed) {
			assert.ErrorIs(t, call.err, errUnavailable, "Album's error")
			assert.Nil(t, call.thumbs, "thumbnails of a failed page")
			assert.Empty(t, store.leftBehind(), "fetches running when Album returned, or started after: cancelled is not ended, and each holds a slot of the store's quota")
		}
		store.openAll() // let whatever still runs finish
		<-call.Done()
	})
}

// TestAlbumBadID: a malformed ID fails the page with ErrBadID, and Album
// leaves nothing running behind it.
func TestAlbumBadID(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	katatest.Synctest(t, func(t *testing.T) {
		store := newStore()
		t.Cleanup(store.openAll) // runs after the bubble's leak check
		call := album(store, context.Background(), []string{"p1", "p2", "p-3", "p4"})
		synctest.Wait()
		store.giveUp() // fetches that were cancelled end
		synctest.Wait()
		require.True(t, call.Returned(), "Album has not returned: it waits for the photos before p-3, which nobody needs any more")
		assert.ErrorIs(t, call.err, gallery.ErrBadID, "Album's error for the ID p-3")
		assert.Empty(t, store.leftBehind(), "fetches running when Album refused the page, or started after it")
		assert.Empty(t, store.running(), "fetches still running after Album refused the page")
	})
}

// TestAlbumEdges: an empty album, and a request that was cancelled before
// Album was called.
func TestAlbumEdges(t *testing.T) {
	tests := []struct {
		name    string
		ids     []string
		cancel  bool
		wantErr error
	}{
		{name: "empty album", ids: nil},
		{name: "request already cancelled", ids: []string{"p1", "p2"}, cancel: true, wantErr: context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			katatest.Synctest(t, func(t *testing.T) {
				store := newStore()
				t.Cleanup(store.openAll)
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				if tt.cancel {
					cancel()
				}
				call := album(store, ctx, tt.ids)
				synctest.Wait()
				store.giveUp() // fetches that were cancelled end
				synctest.Wait()
				require.True(t, call.Returned(), "Album has not returned")
				if tt.wantErr != nil {
					assert.ErrorIs(t, call.err, tt.wantErr, "Album's error")
				} else {
					assert.NoError(t, call.err)
					assert.Empty(t, call.thumbs)
				}
				assert.Empty(t, store.leftBehind(), "fetches running when Album returned, or started after")
			})
		})
	}
}

// errUnavailable is the image store's answer for a photo it cannot serve.
var errUnavailable = errors.New("image store: 503 Service Unavailable")

// albumCall is one call of Album running in the bubble.
type albumCall struct {
	*katatest.BubbleCall
	thumbs []gallery.Thumb
	err    error
}

// album starts Album(ctx, ids) with a quota of limit on store.
func album(store *fakeStore, ctx context.Context, ids []string) *albumCall {
	p := &gallery.Pages{Store: store, Limit: limit}
	c := &albumCall{}
	c.BubbleCall = katatest.StartInBubble(func() {
		c.thumbs, c.err = p.Album(ctx, ids)
		store.albumReturned()
	})
	return c
}

// thumbIDs returns the photo IDs of thumbs, in order.
func thumbIDs(thumbs []gallery.Thumb) []string {
	ids := []string{}
	for _, th := range thumbs {
		ids = append(ids, th.ID)
	}
	return ids
}

// fakeStore is an image store whose fetches each wait until the test lets
// their photo through, or until their context is done; a cancelled fetch
// then waits for giveUp before it returns.
type fakeStore struct {
	mu        sync.Mutex
	gates     map[string]chan struct{} // closed to let a photo through
	fail      map[string]error         // what a photo's fetch returns once let through
	inside    map[string]bool          // fetches running now
	cancelled map[string]bool          // fetches running now that have seen their context end
	most      int                      // the most fetches running at once so far
	allOpen   bool
	gaveUp    chan struct{} // closed by giveUp: cancelled fetches end
	returned  bool          // Album has returned
	behind    []string      // fetches running when Album returned, or started after
}

func newStore() *fakeStore {
	return &fakeStore{
		gates:     map[string]chan struct{}{},
		fail:      map[string]error{},
		inside:    map[string]bool{},
		cancelled: map[string]bool{},
		gaveUp:    make(chan struct{}),
	}
}

// Thumbnail implements gallery.Store.
func (s *fakeStore) Thumbnail(ctx context.Context, id string) (gallery.Thumb, error) {
	s.mu.Lock()
	gate := s.gate(id)
	s.inside[id] = true
	if s.returned {
		s.behind = append(s.behind, id)
	}
	s.most = max(s.most, len(s.inside))
	s.mu.Unlock()

	var err error
	select {
	case <-gate:
	case <-ctx.Done():
		err = ctx.Err()
		s.mu.Lock()
		s.cancelled[id] = true
		s.mu.Unlock()
		<-s.gaveUp // closing the request takes a moment
	}

	s.mu.Lock()
	delete(s.inside, id)
	delete(s.cancelled, id)
	if err == nil {
		err = s.fail[id]
	}
	s.mu.Unlock()
	if err != nil {
		return gallery.Thumb{}, err
	}
	return gallery.Thumb{ID: id, JPEG: []byte(fmt.Sprintf("jpeg of %s", id))}, nil
}

// gate returns the gate of photo id; s.mu is held.
func (s *fakeStore) gate(id string) chan struct{} {
	g, ok := s.gates[id]
	if !ok {
		g = make(chan struct{})
		if s.allOpen {
			close(g)
		}
		s.gates[id] = g
	}
	return g
}

// release lets the fetches of ids through, now or whenever they start.
func (s *fakeStore) release(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		g := s.gate(id)
		select {
		case <-g:
		default:
			close(g)
		}
	}
}

// failWith makes the fetch of id fail with err, and lets it through.
func (s *fakeStore) failWith(id string, err error) {
	s.mu.Lock()
	s.fail[id] = err
	s.mu.Unlock()
	s.release(id)
}

// giveUp lets the fetches whose context is done end, now and from now on.
func (s *fakeStore) giveUp() {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.gaveUp:
	default:
		close(s.gaveUp)
	}
}

// openAll lets every fetch through, those waiting and those to come, and
// lets cancelled fetches end.
func (s *fakeStore) openAll() {
	s.giveUp()
	s.mu.Lock()
	s.allOpen = true
	ids := make([]string, 0, len(s.gates))
	for id := range s.gates {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	s.release(ids...)
}

// running returns the photos whose fetches are running now, sorted.
func (s *fakeStore) running() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.inside))
	for id := range s.inside {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// uncancelled returns the photos whose fetches are running now and have not
// seen their context end, sorted.
func (s *fakeStore) uncancelled() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id := range s.inside {
		if !s.cancelled[id] {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// albumReturned records that Album has returned, and the fetches still
// running at that moment.
func (s *fakeStore) albumReturned() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.returned = true
	for id := range s.inside {
		s.behind = append(s.behind, id)
	}
}

// leftBehind returns the photos whose fetches were running when Album
// returned, or started after it, sorted.
func (s *fakeStore) leftBehind() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(slices.Values(s.behind))
}

// mostAtOnce returns the most fetches that have run at once.
func (s *fakeStore) mostAtOnce() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.most
}
