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

	stats fastest
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

	var (
		mu       sync.Mutex // guards hits, answered and over
		hits     []Hit
		answered int
		over     bool // Search has returned: later answers are dropped
	)
	var wg sync.WaitGroup
	for _, b := range a.Backends {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			h, err := b.Search(ctx, q)
			if err == nil {
				a.stats.offer(b.Name(), time.Since(start))
			}
			mu.Lock()
			defer mu.Unlock()
			// Too late once Search has returned, and once ctx is done: a
			// backend that gave up at the deadline did not answer in time.
			if over || ctx.Err() != nil {
				return
			}
			answered++
			hits = append(hits, h...)
		}()
	}
	// all is closed once every backend has answered. The goroutine that
	// closes it ends with the last backend, however late that is.
	all := make(chan struct{})
	go func() {
		wg.Wait()
		close(all)
	}()

	select {
	case <-all:
	case <-ctx.Done():
	}
	mu.Lock()
	defer mu.Unlock()
	over = true
	return Results{Hits: hits, Partial: answered < len(a.Backends)}
}

// record notes how long a backend took, keeping the fastest.
func (a *Aggregator) record(name string, took time.Duration) {
	a.stats.offer(name, took)
}

// Stats returns the stats so far.
func (a *Aggregator) Stats() Stats {
	return a.stats.get()
}

// fastest keeps the quickest answer seen so far. It owns its lock: every
// access goes through offer and get, so none can forget it.
type fastest struct {
	mu sync.Mutex
	s  Stats
}

// offer records name's time if it beats the fastest so far.
func (f *fastest) offer(name string, took time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.s.Fastest == "" || took < f.s.Took {
		f.s = Stats{Fastest: name, Took: took}
	}
}

// get returns a copy of the fastest so far.
func (f *fastest) get() Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.s
}
