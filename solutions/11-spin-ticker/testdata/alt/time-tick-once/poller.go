// Package poller runs the background jobs of our multi-tenant shop. Every
// tenant has a job queue in a database of its own, and a runner serves the
// queues it is given: it polls each one and runs the jobs it finds. While
// it serves a queue it renews its lease on the queue, so that no other
// runner takes the queue over. When a tenant moves to another runner, the
// old runner stops serving the queue and the lease runs out.
package poller

import (
	"context"
	"sync"
	"time"
)

// PollEvery is how long Serve waits before it polls an empty queue again.
const PollEvery = time.Second

// RenewEvery is how often Serve renews its lease on the queue it serves. A
// lease that is not renewed for 30 seconds runs out.
const RenewEvery = 10 * time.Second

// Job is one background job of a tenant.
type Job struct {
	Tenant string
	ID     int
}

// Queue is a tenant's job queue.
type Queue interface {
	// Poll takes the queue's next job. When the queue is empty it returns
	// ok == false at once: it is one query to the tenant's database.
	Poll() (job Job, ok bool)
	// Renew extends this runner's lease on the queue.
	Renew()
}

// Serve polls q and calls run with each job it finds, one at a time, and
// renews the lease on q every RenewEvery, until ctx is cancelled or stop is
// called. stop returns once Serve has stopped: after it, q and run are not
// called again.
func Serve(ctx context.Context, q Queue, run func(Job)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	// Each goroutine sends one value on done when it returns; stop receives
	// both. A buffer of two lets a goroutine end even if stop is never called.
	done := make(chan struct{}, 2)
	go func() {
		defer func() { done <- struct{}{} }()
		// time.Tick's ticker is collected once unreachable (Go 1.23 and later).
		tick := time.Tick(PollEvery)
		for {
			if drain(ctx, q, run) {
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-tick:
			}
		}
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		tick := time.Tick(RenewEvery)
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick:
				q.Renew()
			}
		}
	}()
	var once sync.Once
	return func() {
		cancel()
		// Once.Do makes a second caller wait until the first has
		// collected both goroutines.
		once.Do(func() {
			<-done
			<-done
		})
	}
}

// drain runs the jobs waiting in q, in order, and reports whether ctx ended.
func drain(ctx context.Context, q Queue, run func(Job)) (ended bool) {
	for {
		if ctx.Err() != nil {
			return true
		}
		job, ok := q.Poll()
		if !ok {
			return false
		}
		run(job)
	}
}
