// Package vetsubset has four bugs that `go test` compiles and runs happily:
// only `go vet` reports them.
package vetsubset

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// Counter is guarded by its mutex.
type Counter struct {
	mu sync.Mutex
	n  int
}

// Snapshot copies the counter, lock and all (copylocks).
func Snapshot(c Counter) int { return c.n }

// Deadline forgets to call cancel (lostcancel).
func Deadline(parent context.Context) context.Context {
	ctx, _ := context.WithTimeout(parent, time.Second)
	return ctx
}

// RunAll calls Add inside the goroutine it counts (waitgroup).
func RunAll(jobs []func()) {
	var wg sync.WaitGroup
	for _, job := range jobs {
		go func() {
			wg.Add(1)
			defer wg.Done()
			job()
		}()
	}
	wg.Wait()
}

// RunAllPaced is shaped like kata 01: a call comes before the Add inside
// the goroutine, and the waitgroup analyzer no longer recognises it.
func RunAllPaced(jobs []func(), pace func()) {
	var wg sync.WaitGroup
	for _, job := range jobs {
		go func() {
			pace()
			wg.Add(1)
			defer wg.Done()
			job()
		}()
	}
	wg.Wait()
}

// Status defers Close before checking the error (httpresponse).
func Status(client *http.Client, url string) (int, error) {
	resp, err := client.Get(url)
	defer resp.Body.Close()
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}
