// Package poller runs the background jobs of our multi-tenant shop. Every
// tenant has a job queue in a database of its own, and a runner serves the
// queues it is given: it polls each one and runs the jobs it finds. While
// it serves a queue it renews its lease on the queue, so that no other
// runner takes the queue over. When a tenant moves to another runner, the
// old runner stops serving the queue and the lease runs out.
package poller

import (
	"context"
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
	done := make(chan struct{})
	go func() {
		defer close(done)
		serve(ctx, q, run)
	}()
	return func() {
		cancel()
		<-done
	}
}

// serve is the one goroutine of Serve: it polls and renews, and blocks in
// one select between the two.
func serve(ctx context.Context, q Queue, run func(Job)) {
	polls := time.NewTicker(PollEvery)
	defer polls.Stop()
	renewals := time.NewTicker(RenewEvery)
	defer renewals.Stop()
	for {
		for ctx.Err() == nil {
			job, ok := q.Poll()
			if !ok {
				break
			}
			run(job)
		}
		for waiting := true; waiting; {
			select {
			case <-ctx.Done():
				return
			case <-renewals.C:
				q.Renew()
			case <-polls.C:
				waiting = false
			}
		}
	}
}
