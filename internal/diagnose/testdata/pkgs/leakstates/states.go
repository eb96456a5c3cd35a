// Package leakstates leaves goroutines blocked in every state the diagnosis
// names, for the fixtures: each function is a small, common bug.
package leakstates

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"
)

// Account is guarded by mu.
type Account struct {
	mu    sync.Mutex
	cents int
}

// Withdraw forgets to unlock when the funds are short.
func (a *Account) Withdraw(n int) error {
	a.mu.Lock()
	if a.cents < n {
		return errors.New("short")
	}
	a.cents -= n
	a.mu.Unlock()
	return nil
}

// Cache is read far more often than written.
type Cache struct {
	mu sync.RWMutex
	m  map[string]string
}

// Refill holds the write lock while it waits for fresh data.
func (c *Cache) Refill(fresh <-chan map[string]string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = <-fresh
}

// Get takes a read lock.
func (c *Cache) Get(k string) string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[k]
}

// Scan holds a read lock while it waits for its consumer.
func (c *Cache) Scan(out chan<- string) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for k := range c.m {
		out <- k
	}
}

// Put takes the write lock.
func (c *Cache) Put(k, v string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[k] = v
}

// ProcessAll waits for a worker that skips Done on a failure.
func ProcessAll(items []int) {
	var wg sync.WaitGroup
	for _, it := range items {
		wg.Add(1)
		go func() {
			if it < 0 {
				return
			}
			wg.Done()
		}()
	}
	wg.Wait()
}

// Fetch gives up on cancellation and leaves its worker sending.
func Fetch(ctx context.Context, work func() int) int {
	ch := make(chan int)
	go func() { ch <- work() }()
	select {
	case v := <-ch:
		return v
	case <-ctx.Done():
		return 0
	}
}

// Listen starts a goroutine that waits for values nobody sends.
func Listen(in chan int) {
	go func() {
		for v := range in {
			_ = v
		}
	}()
}

// WaitNil waits on a channel that was never made.
func WaitNil() {
	var ch chan struct{}
	go func() { <-ch }()
}

// Either waits for either of two channels nobody uses.
func Either(a, b chan int) {
	go func() {
		select {
		case <-a:
		case <-b:
		}
	}()
}

// Await waits for a signal nobody gives.
func Await() {
	var mu sync.Mutex
	c := sync.NewCond(&mu)
	go func() {
		mu.Lock()
		c.Wait()
		mu.Unlock()
	}()
}

// Nap sleeps far longer than any test.
func Nap() {
	go time.Sleep(time.Hour)
}

// Read waits for bytes the peer never sends.
func Read(conn net.Conn) {
	go func() {
		buf := make([]byte, 1)
		conn.Read(buf)
	}()
}

// Fan starts n goroutines that each wait on done.
func Fan(n int, done chan struct{}) {
	for range n {
		go func() { <-done }()
	}
}
