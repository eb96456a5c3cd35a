// Package search answers a product search by asking several backends at
// once (the catalogue index, the marketplace, the recommendations service)
// and returning whatever has arrived when the deadline is up: a slow backend
// must never hold the whole page.
package search

import (
	"context"
	"sync"
	"time"
)

// Hit is one search result.
type Hit struct {
	Backend string
	Title   string
}

// Backend is one search service.
type Backend interface {
	Name() string
	// Search returns the backend's hits for q. It gives up when ctx is done.
	Search(ctx context.Context, q string) ([]Hit, error)
}

// Results is what a search returns.
type Results struct {
	Hits []Hit
	// Partial is true when the deadline passed before every backend answered.
	Partial bool
}

// Stats are kept across searches, for the operations dashboard.
type Stats struct {
	// Fastest is the backend with the quickest answer seen so far, and Took its time.
	Fastest string
	Took    time.Duration
}

// Aggregator fans a query out to its backends. Set Backends and Timeout
// before the first Search; Search may be called from many goroutines.
type Aggregator struct {
	Backends []Backend
	// Timeout bounds every search.
	Timeout time.Duration

	mu    sync.Mutex // guards stats
	stats Stats
}

// result is one backend's answer.
type result struct {
	hits []Hit
	err  error
}

// Search asks every backend for q at once and returns the hits that arrived
// within Timeout. Backends that fail are skipped.
func (a *Aggregator) Search(ctx context.Context, q string) Results {
	ctx, cancel := context.WithTimeout(ctx, a.Timeout)
	defer cancel()
	c := newCollector(len(a.Backends))
	// When the search's context ends (its deadline, or the caller's), stop
	// taking answers. stop unregisters the function when every backend
	// answered first, so no goroutine is started for nothing.
	stop := context.AfterFunc(ctx, c.close)
	defer stop()
	for _, b := range a.Backends {
		go func() {
			start := time.Now()
			hits, err := b.Search(ctx, q)
			if err == nil {
				a.record(b.Name(), time.Since(start))
			}
			// An answer that comes once ctx is done (a backend giving up
			// at the deadline) is too late, even if the collector has not
			// been closed yet.
			c.add(hits, ctx.Err() == nil)
		}()
	}
	<-c.done
	return c.results()
}

// collector gathers the answers of one search until every backend has
// answered or it is closed, whichever comes first. Answers that come after
// that are dropped: a late backend never waits for anyone.
type collector struct {
	mu      sync.Mutex
	hits    []Hit
	pending int           // backends that have not answered yet
	closed  bool          // no more answers are taken
	done    chan struct{} // closed when closed becomes true
}

func newCollector(backends int) *collector {
	c := &collector{pending: backends, done: make(chan struct{})}
	if backends == 0 {
		c.closeLocked()
	}
	return c
}

// add takes one backend's answer, unless it is late or the collector is
// closed.
func (c *collector) add(hits []Hit, inTime bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || !inTime {
		return
	}
	c.hits = append(c.hits, hits...)
	c.pending--
	if c.pending == 0 {
		c.closeLocked()
	}
}

// close stops taking answers; calling it again does nothing.
func (c *collector) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeLocked()
}

func (c *collector) closeLocked() {
	if !c.closed {
		c.closed = true
		close(c.done)
	}
}

// results returns what was collected; Partial when a backend had not
// answered by the time the collector closed.
func (c *collector) results() Results {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Results{Hits: c.hits, Partial: c.pending > 0}
}

// record notes how long a backend took, keeping the fastest.
func (a *Aggregator) record(name string, took time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.stats.Fastest == "" || took < a.stats.Took {
		a.stats = Stats{Fastest: name, Took: took}
	}
}

// Stats returns the stats so far.
func (a *Aggregator) Stats() Stats {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.stats
}
