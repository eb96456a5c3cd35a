// Package crawler checks our documentation site before each release. It
// fetches every page at once, collects the links the pages hold, and counts
// how many of them point to each host, so that the docs team can see which
// external sites we depend on and the link checker can try every link.
package crawler

import (
	"context"
	"net/url"
	"sync"
)

// Fetcher fetches one page of the site and returns the links on it.
type Fetcher interface {
	Links(ctx context.Context, page string) ([]string, error)
}

// Report is what a crawl found.
type Report struct {
	Links  []string       // every link on every page, in no particular order
	Hosts  map[string]int // how many of the links point to each host
	Failed []string       // the pages that could not be fetched
}

// Crawl fetches all the pages at the same time and reports what they link
// to. A page that cannot be fetched is listed in the report's Failed.
func Crawl(ctx context.Context, f Fetcher, pages []string) *Report {
	// The goroutines hand their results over; only Crawl writes the report.
	type result struct {
		page  string
		links []string
		err   error
	}
	results := make(chan result)
	var wg sync.WaitGroup
	for _, page := range pages {
		wg.Add(1)
		go func() {
			defer wg.Done()
			links, err := f.Links(ctx, page)
			results <- result{page, links, err}
		}()
	}
	wg.Wait() // every page fetched
	close(results)
	r := &Report{Hosts: map[string]int{}}
	for res := range results {
		if res.err != nil {
			r.Failed = append(r.Failed, res.page)
			continue
		}
		for _, link := range res.links {
			r.Links = append(r.Links, link)
			r.Hosts[hostOf(link)]++
		}
	}
	return r
}

// hostOf returns the host a link points to, or "" for a link it cannot
// parse or a relative one.
func hostOf(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	return u.Host
}
