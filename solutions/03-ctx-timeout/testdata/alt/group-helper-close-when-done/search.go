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

	mu    sync.RWMutex // guards stats: record writes, Stats reads
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
	// Room for every answer, so no sender ever waits, and closed once every
	// sender is done, so the loop below knows when it has them all.
	answers := make(chan result, len(a.Backends))
	var g group
	for _, b := range a.Backends {
		g.Go(func() {
			start := time.Now()
			hits, err := b.Search(ctx, q)
			if err == nil {
				a.record(b.Name(), time.Since(start))
			}
			answers <- result{hits: hits, err: err}
		})
	}
	go func() {
		g.Wait()
		close(answers)
	}()

	var out Results
	for {
		select {
		case r, ok := <-answers:
			if !ok {
				return out
			}
			out.Hits = append(out.Hits, r.hits...)
		case <-ctx.Done():
			out.Partial = true
			return out
		}
	}
}

// group runs functions on goroutines of their own and waits for them all:
// a small errgroup without the errors. The zero value is ready to use.
type group struct {
	wg sync.WaitGroup
}

// Go runs f on a new goroutine.
func (g *group) Go(f func()) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		f()
	}()
}

// Wait blocks until every function started with Go has returned.
func (g *group) Wait() {
	g.wg.Wait()
}

// record notes how long a backend took, keeping the fastest. The check and
// the update are under one write lock: a read lock for the check, released
// before the write, would let two backends both pass it.
func (a *Aggregator) record(name string, took time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.stats.Fastest == "" || took < a.stats.Took {
		a.stats = Stats{Fastest: name, Took: took}
	}
}

// Stats returns the stats so far. Dashboards may read it together.
func (a *Aggregator) Stats() Stats {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.stats
}
