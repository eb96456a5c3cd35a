package diagnose

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gokatas/concurrency/internal/testjson"
)

// checkInvariants feeds lines as output events of one test and checks what
// must hold for any input: no panic, every finding returned exactly once
// (by Feed, or by Result for what was pending), each with a kind and a
// message, paths relative to the root.
func checkInvariants(t *testing.T, lines []string) {
	d := New(Options{Root: "/r", KataDir: "katas/k", Module: "example.com/m"})
	var fed []Finding
	feedOne := func(e testjson.Event) { fed = append(fed, d.Feed(e)...) }
	feedOne(testjson.Event{Action: "run", Package: "example.com/m/katas/k", Test: "TestK"})
	for _, l := range lines {
		feedOne(testjson.Event{Action: "output", Package: "example.com/m/katas/k", Test: "TestK", Output: l + "\n"})
	}
	r := d.Result()
	if len(r.Findings) < len(fed) {
		t.Fatalf("Result has %d findings, Feed returned %d", len(r.Findings), len(fed))
	}
	for i := range fed {
		if fed[i].Message != r.Findings[i].Message || fed[i].Kind != r.Findings[i].Kind {
			t.Fatalf("finding %d differs between Feed and Result", i)
		}
	}
	seen := map[string]bool{}
	for _, f := range r.Findings {
		if f.Kind == "" || f.Message == "" {
			t.Fatalf("finding without kind or message: %+v", f)
		}
		if strings.HasPrefix(f.File, "/r/") {
			t.Fatalf("path not made relative: %q", f.File)
		}
		b, _ := json.Marshal(f)
		if seen[string(b)] {
			t.Fatalf("finding returned twice: %s", b)
		}
		seen[string(b)] = true
	}
}

func FuzzLeakBlock(f *testing.F) {
	f.Add("[Goroutine 9 in state chan send, with example.com/m/katas/k.F.func1 on top of the stack:\nexample.com/m/katas/k.F.func1()\n\t/r/katas/k/k.go:9 +0x2c\ncreated by example.com/m/katas/k.F in goroutine 7\n\t/r/katas/k/k.go:8 +0x66\n]")
	f.Add("[Goroutine 1 in state IO wait, with internal/poll.runtime_pollWait on top of the stack:\nnet/http.(*persistConn).readLoop(0xc0001)\n\t/go/src/net/http/transport.go:2395 +0xc5\n]")
	f.Add("[Goroutine x in state , with  on top of the stack:\ncreated by \n\t:1\n")
	f.Fuzz(func(t *testing.T, body string) {
		lines := []string{"    k_test.go:12: found unexpected goroutines:"}
		for l := range strings.Lines(body) {
			lines = append(lines, "        "+strings.TrimRight(l, "\n"))
		}
		checkInvariants(t, append(lines, "--- FAIL: TestK (0.44s)"))
	})
}

func FuzzRaceBlock(f *testing.F) {
	f.Add("Write at 0x00c000012345 by goroutine 8:\n  example.com/m/katas/k.Inc()\n      /r/katas/k/k.go:12 +0x44\n\nPrevious read at 0x00c000012345 by goroutine 7:\n  example.com/m/katas/k.Get()\n      /r/katas/k/k.go:20 +0x3a\n\nGoroutine 8 (running) created at:\n  example.com/m/katas/k.Start()\n      /r/katas/k/k.go:30 +0x10\n")
	f.Add("Read at 0x0 by main goroutine:\n  main.main()\n      /r/x.go:1\n    k_test.go:3: interleaved\n")
	f.Add("==================\nWARNING: DATA RACE\n")
	f.Fuzz(func(t *testing.T, body string) {
		lines := []string{"==================", "WARNING: DATA RACE"}
		for l := range strings.Lines(body) {
			lines = append(lines, strings.TrimRight(l, "\n"))
		}
		checkInvariants(t, append(lines, "=================="))
	})
}

func FuzzTestifyBlock(f *testing.F) {
	f.Add("Error Trace:\t/r/katas/k/k_test.go:10\nError:      \tNot equal: \n            \texpected: 6\n            \tactual  : 3\nTest:       \tTestK\nMessages:   \tthe sum")
	f.Add("Error Trace:\t\nError:\t\nMessages:\t")
	f.Add("Error:\t\t\t:\n:\n")
	f.Fuzz(func(t *testing.T, body string) {
		lines := []string{"    k_test.go:10: "}
		for l := range strings.Lines(body) {
			lines = append(lines, "        \t"+strings.TrimRight(l, "\n"))
		}
		checkInvariants(t, lines)
	})
}

// FuzzStream feeds arbitrary text as a whole stream, JSON or not.
func FuzzStream(f *testing.F) {
	f.Add(`{"Action":"run","Package":"p","Test":"T"}` + "\npanic: boom\n\ngoroutine 1 [running]:\nmain.f()\n\t/r/katas/k/k.go:3 +0x1\n")
	f.Add("fatal error: all goroutines are asleep - deadlock!\ngoroutine 1 [chan receive]:\n")
	f.Add("panic: test timed out after 2s\n\trunning tests:\n\t\tTestK (2s)\n")
	f.Add("katas/k/k.go:1:2: undefined: x\n")
	f.Fuzz(func(t *testing.T, in string) {
		var lines []string
		for l := range strings.Lines(in) {
			lines = append(lines, strings.TrimRight(l, "\n"))
		}
		checkInvariants(t, lines)
		if _, err := Stream(strings.NewReader(in), Options{Root: "/r"}); err != nil {
			t.Fatal(err)
		}
	})
}
