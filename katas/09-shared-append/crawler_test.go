package crawler_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/katatest"
	crawler "github.com/gokatas/concurrency/katas/09-shared-append"
)

// How the tests make the race certain: the fake site holds every page's
// fetch at a gate until all of them have started, then lets them all go at
// once. From there on, nothing the test does orders one page's goroutine
// against another's, so two goroutines that write the report without a lock
// are a data race the race detector reports in every run, however the
// scheduler runs them. katatest.WaitIdle waits for the fetches to park by
// reading goroutine dumps, which synchronises with nothing.

// TestCrawl crawls small sites and checks the whole report: every link,
// every host count, every page that failed.
func TestCrawl(t *testing.T) {
	tests := []struct {
		name       string
		site       map[string][]string // page -> the links on it
		broken     []string            // pages whose fetch fails
		wantLinks  []string
		wantHosts  map[string]int
		wantFailed []string
	}{
		{
			name: "one page",
			site: map[string][]string{
				"/index": {"https://go.dev/doc/", "https://pkg.go.dev/sync"},
			},
			wantLinks: []string{"https://go.dev/doc/", "https://pkg.go.dev/sync"},
			wantHosts: map[string]int{"go.dev": 1, "pkg.go.dev": 1},
		},
		{
			name: "pages that link to the same hosts",
			site: map[string][]string{
				"/index":   {"https://go.dev/doc/", "https://pkg.go.dev/sync"},
				"/install": {"https://go.dev/dl/", "https://go.dev/doc/install"},
				"/faq":     {"https://go.dev/doc/faq", "https://github.com/golang/go/issues"},
				"/blog":    {"https://go.dev/blog/", "https://github.com/golang/go/wiki"},
			},
			wantLinks: []string{
				"https://go.dev/doc/", "https://pkg.go.dev/sync",
				"https://go.dev/dl/", "https://go.dev/doc/install",
				"https://go.dev/doc/faq", "https://github.com/golang/go/issues",
				"https://go.dev/blog/", "https://github.com/golang/go/wiki",
			},
			wantHosts: map[string]int{"go.dev": 5, "pkg.go.dev": 1, "github.com": 2},
		},
		{
			name: "a page that fails among pages that work",
			site: map[string][]string{
				"/index": {"https://go.dev/doc/"},
				"/old":   nil,
				"/faq":   {"https://go.dev/doc/faq"},
			},
			broken:     []string{"/old"},
			wantLinks:  []string{"https://go.dev/doc/", "https://go.dev/doc/faq"},
			wantHosts:  map[string]int{"go.dev": 2},
			wantFailed: []string{"/old"},
		},
		{
			name: "two pages that fail at the same time",
			site: map[string][]string{
				"/index":   {"https://go.dev/doc/"},
				"/old":     nil,
				"/older":   nil,
				"/install": {"https://go.dev/dl/"},
			},
			broken:     []string{"/old", "/older"},
			wantLinks:  []string{"https://go.dev/doc/", "https://go.dev/dl/"},
			wantHosts:  map[string]int{"go.dev": 2},
			wantFailed: []string{"/old", "/older"},
		},
		{
			name: "pages with no links",
			site: map[string][]string{
				"/empty": {},
				"/blank": {},
			},
			wantHosts: map[string]int{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

			site := newSite(tt.site, tt.broken)
			pages := site.pages()
			var report *crawler.Report
			crawl := katatest.Go("Crawl", func() { report = crawler.Crawl(context.Background(), site, pages) })

			// Every fetch starts before any of them is let through.
			katatest.WaitIdle(t, "the crawl's fetches")
			started := site.gate.Entered()
			site.gate.Open()
			if !crawl.Wait(t) {
				return
			}
			assert.Equal(t, len(pages), started, "fetches under way at the same time: Crawl must fetch all the pages at once")
			require.NotNil(t, report, "the report")
			assert.ElementsMatch(t, tt.wantLinks, report.Links, "the links found")
			assert.Equal(t, tt.wantHosts, report.Hosts, "links per host")
			assert.ElementsMatch(t, tt.wantFailed, report.Failed, "the pages that failed")
		})
	}
}

// TestNoPages: a site with no pages gives an empty report that is ready to
// use.
func TestNoPages(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	var report *crawler.Report
	if !katatest.Completes(t, "Crawl", func() { report = crawler.Crawl(context.Background(), newSite(nil, nil), nil) }) {
		return
	}
	require.NotNil(t, report, "the report")
	assert.Empty(t, report.Links, "the links found")
	assert.Empty(t, report.Failed, "the pages that failed")
	assert.NotNil(t, report.Hosts, "links per host: an empty map, ready to use")
}

// TestConcurrentMapWritesEndTheProcess shows what the race detector spares
// you. It builds testdata/mapcrash, a small program that counts hosts into
// one map from several goroutines with a recover in each, without -race,
// and runs it: the runtime ends the process with "fatal error: concurrent
// map writes" and exit status 2, and no recover runs. A fatal error is not a
// panic: nothing in the program can catch it. This test is about Go, not
// about your crawler: it passes whatever crawler.go holds.
func TestConcurrentMapWritesEndTheProcess(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH to build testdata/mapcrash:", err)
	}
	bin := filepath.Join(t.TempDir(), "mapcrash")
	build := exec.Command(gobin, "build", "-o", bin, ".")
	build.Dir = filepath.Join("testdata", "mapcrash")
	build.Env = append(os.Environ(), "GOFLAGS=") // no -race, no overlay: a production build
	if out, err := build.CombinedOutput(); err != nil {
		t.Skipf("cannot build testdata/mapcrash (%v):\n%s", err, out)
	}
	out, err := exec.Command(bin).CombinedOutput()
	var exit *exec.ExitError
	require.True(t, errors.As(err, &exit), "mapcrash should die, but it ended with %v:\n%s", err, out)
	if exit.ExitCode() == 3 {
		t.Skip("the runtime did not catch the writers in the act this time: its check is best effort")
	}
	assert.Equal(t, 2, exit.ExitCode(), "exit status of a fatal error")
	// The runtime words it "concurrent map writes", or, when it finds a small
	// map already broken, "small map with no empty slot (concurrent map
	// writes?)": both are the same fatal error (internal/runtime/maps).
	assert.Regexp(t, `fatal error: .*concurrent map writes`, string(out))
	assert.NotContains(t, string(out), "recovered:", "a recover ran: a fatal error is not a panic")
}

// site is a fake documentation site. Every fetch waits at the gate until
// the test opens it.
type site struct {
	links  map[string][]string
	broken map[string]bool
	gate   katatest.Gate
}

func newSite(links map[string][]string, broken []string) *site {
	s := &site{links: links, broken: map[string]bool{}}
	for _, p := range broken {
		s.broken[p] = true
	}
	return s
}

// errNotFound is what a broken page's fetch returns.
var errNotFound = errors.New("404 Not Found")

// Links returns a fresh copy of the page's links, once the gate lets the
// fetch through.
func (s *site) Links(_ context.Context, page string) ([]string, error) {
	s.gate.Enter()
	if s.broken[page] {
		return nil, errNotFound
	}
	return append([]string(nil), s.links[page]...), nil
}

// pages returns the site's pages.
func (s *site) pages() []string {
	var ps []string
	for p := range s.links {
		ps = append(ps, p)
	}
	return ps
}
