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

// builder owns a report under construction and the lock that guards it:
// the only way to change the report is through its methods.
type builder struct {
	mu sync.Mutex
	r  Report
}

func (b *builder) addLinks(links []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.r.Links = append(b.r.Links, links...)
	for _, link := range links {
		b.r.Hosts[hostOf(link)]++
	}
}

func (b *builder) addFailed(page string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.r.Failed = append(b.r.Failed, page)
}

// Crawl fetches all the pages at the same time and reports what they link
// to. A page that cannot be fetched is listed in the report's Failed.
func Crawl(ctx context.Context, f Fetcher, pages []string) *Report {
	b := &builder{r: Report{Hosts: map[string]int{}}}
	var wg sync.WaitGroup
	for _, page := range pages {
		wg.Go(func() {
			if links, err := f.Links(ctx, page); err != nil {
				b.addFailed(page)
			} else {
				b.addLinks(links)
			}
		})
	}
	wg.Wait()
	return &b.r
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
