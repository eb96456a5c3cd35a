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

	mu    sync.Mutex // guards stats: every backend's goroutine records into it
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
	// The deadline lives in ctx, and ctx goes down to every backend. cancel
	// ends the backends still running the moment Search returns, and frees
	// the timer.
	ctx, cancel := context.WithTimeout(ctx, a.Timeout)
	defer cancel()
	// Room for every answer: a backend that answers after Search has given
	// up can still send, and its goroutine ends instead of blocking forever.
	answers := make(chan result, len(a.Backends))
	for _, b := range a.Backends {
		go func() {
			start := time.Now()
			hits, err := b.Search(ctx, q)
			if err == nil {
				a.record(b.Name(), time.Since(start))
			}
			answers <- result{hits: hits, err: err}
		}()
	}

	var out Results
	for range a.Backends {
		select {
		case r := <-answers:
			out.Hits = append(out.Hits, r.hits...)
		case <-ctx.Done():
			out.Partial = true
			return out
		}
	}
	return out
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
