package katatest

import "sync"

// Gate holds every goroutine that enters it until the test lets it through,
// so that a test can count how many are inside at once and decide which may
// go on. A fake dependency calls Enter where the real one would do its work.
//
// Each held goroutine waits on a channel of its own, closed by the test: on
// the way out it synchronises with the test only, never with the other
// goroutines let through with it, so a data race between them after the
// gate stays visible to the race detector. Inside a testing/synctest bubble
// a held goroutine is durably blocked.
//
// The zero Gate is ready to use and holds everything.
type Gate struct {
	mu      sync.Mutex
	entered int
	held    []chan struct{} // oldest first
	open    bool
}

// Enter blocks until the test lets the caller through, or returns at once
// if the gate is open.
func (g *Gate) Enter() {
	g.mu.Lock()
	g.entered++
	if g.open {
		g.mu.Unlock()
		return
	}
	wait := make(chan struct{})
	g.held = append(g.held, wait)
	g.mu.Unlock()
	<-wait
}

// Entered returns how many calls of Enter there have been.
func (g *Gate) Entered() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.entered
}

// Held returns how many goroutines the gate holds now.
func (g *Gate) Held() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.held)
}

// Let lets through the n goroutines held longest, or all of them if fewer
// are held. Later arrivals are held as before.
func (g *Gate) Let(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	n = min(n, len(g.held))
	for _, wait := range g.held[:n] {
		close(wait)
	}
	g.held = g.held[n:]
}

// Open lets every goroutine through, those held now and those to come.
func (g *Gate) Open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.open = true
	for _, wait := range g.held {
		close(wait)
	}
	g.held = nil
}
