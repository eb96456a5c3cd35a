// Command leakprofile leaves three response bodies unclosed and one
// goroutine blocked on a channel nothing else can reach, then counts what
// the goroutine leak profile (GOEXPERIMENT=goroutineleakprofile, Go 1.26)
// reports. The argument picks the client: "default" (http.DefaultClient),
// "global" (a client kept in a package variable) or "fresh" (a new
// Transport per request, dropped after it).
package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strings"
)

// kept is the long-lived client of the "global" case.
var kept = &http.Client{Transport: &http.Transport{}}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: leakprofile default|global|fresh")
		os.Exit(2)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "down")
	}))
	for range 3 {
		client := http.DefaultClient
		switch os.Args[1] {
		case "global":
			client = kept
		case "fresh":
			client = &http.Client{Transport: &http.Transport{}}
		}
		resp, err := client.Get(srv.URL)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		_ = resp // the body is never closed
	}
	srv.Close() // the server is gone; the client's goroutines stay

	ch := make(chan int)
	go func() { ch <- 1 }() // nobody will ever receive
	// Wait until the channel's sender and the three readLoops are parked.
	parked := regexp.MustCompile(`\[select[^\]]*\]:\nnet/http\.\(\*persistConn\)\.readLoop\(`)
	for !strings.Contains(allStacks(), "[chan send") || len(parked.FindAllString(allStacks(), -1)) < 3 {
		runtime.Gosched()
	}

	p := pprof.Lookup("goroutineleak")
	if p == nil {
		fmt.Println("no goroutineleak profile in this build")
		return
	}
	var b strings.Builder
	if err := p.WriteTo(&b, 1); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("channel leaks: %d\n", leaked(b.String(), "main.main.func2"))
	fmt.Printf("readLoop leaks: %d\n", leaked(b.String(), "net/http.(*persistConn).readLoop+"))
}

// leaked sums the counts of the profile's stacks that contain fn. In the
// debug=1 format each stack is a line "N @ pcs..." followed by one "#" line
// per frame.
func leaked(profile, fn string) int {
	total, n := 0, 0
	for _, line := range strings.Split(profile, "\n") {
		if _, err := fmt.Sscanf(line, "%d @", &n); err == nil {
			continue
		}
		if strings.HasPrefix(line, "#") && strings.Contains(line, fn) {
			total += n
			n = 0 // count each stack once
		}
	}
	return total
}

func allStacks() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}
