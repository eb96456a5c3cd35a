// Package health probes the endpoints our webhooks are delivered to, all at
// once, before a delivery run starts: an endpoint that is down or degraded is
// skipped for this run instead of timing out every delivery sent to it.
package health

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"sync"
)

// Result is what one probe found.
type Result struct {
	URL string
	// Status is the HTTP status code, 0 when no response arrived.
	Status int
	// Err says why the endpoint is not healthy; nil when it is.
	Err error
}

// Report sums up a round of probes.
type Report struct {
	Healthy   int
	Unhealthy int
	// Failures holds one message per unhealthy endpoint, sorted.
	Failures []string
}

// Checker probes endpoints. Client must be set; Observe is optional.
type Checker struct {
	Client *http.Client
	// Observe, if set, is called with every result as soon as it arrives, from
	// the goroutine that probed it (for metrics and logs).
	Observe func(Result)
}

// Check probes every URL at the same time and returns when all have answered
// or failed. An endpoint is healthy when it answers 200 with a JSON document
// {"status":"ok"}.
func (c *Checker) Check(ctx context.Context, urls []string) Report {
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex // guards rep: every worker writes it
		rep Report
	)
	for _, u := range urls {
		wg.Go(func() {
			res := c.probe(ctx, u)
			if c.Observe != nil {
				c.Observe(res)
			}
			mu.Lock()
			defer mu.Unlock()
			if res.Err == nil {
				rep.Healthy++
				return
			}
			rep.Unhealthy++
			rep.Failures = append(rep.Failures, res.Err.Error())
		})
	}
	wg.Wait()
	slices.Sort(rep.Failures)
	return rep
}

// probe asks one endpoint for its health.
func (c *Checker) probe(ctx context.Context, url string) Result {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Result{URL: url, Err: err}
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.Client.Do(req)
	if err != nil {
		return Result{URL: url, Err: err}
	}
	// Close the body on every path, right after the error check: until it is
	// closed, the connection and its two goroutines stay pinned. Draining it
	// first lets the transport reuse the connection for the next probe.
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}()
	if resp.StatusCode != http.StatusOK {
		return Result{URL: url, Status: resp.StatusCode, Err: fmt.Errorf("%s: %s", url, resp.Status)}
	}
	// A parked domain or a captive proxy answers 200 with a page of its own.
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" {
		return Result{URL: url, Status: resp.StatusCode, Err: fmt.Errorf("%s: answered %q, not a health document", url, mt)}
	}

	var body struct {
		Status string `json:"status"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return Result{URL: url, Status: resp.StatusCode, Err: fmt.Errorf("%s: unreadable health document: %w", url, err)}
	}
	if body.Status != "ok" {
		return Result{URL: url, Status: resp.StatusCode, Err: fmt.Errorf("%s: reports %q", url, body.Status)}
	}
	return Result{URL: url, Status: resp.StatusCode}
}
