package diagnose

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/testjson"
)

// The fixtures in testdata are real `go test -race -json` streams of kata 01,
// captured with the paths of the capturing machine replaced by $ROOT,
// $GOROOT and $GOMODCACHE: buggy as shipped, solved, and with the mistakes a
// learner makes (a panic, a compile error, an infinite loop, os.Exit).
var opts = Options{Root: "$ROOT", KataDir: "katas/01-wg-ordering"}

func fixture(t *testing.T, name string) Result {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name+".json"))
	require.NoError(t, err)
	defer f.Close()
	res, err := Stream(f, opts)
	require.NoError(t, err)
	return res
}

type want struct {
	kind Kind
	file string
	line int
	msg  string // substring of the message
}

func TestFixtures(t *testing.T) {
	defer goleak.VerifyNone(t)
	const kata, test = "katas/01-wg-ordering/prices.go", "katas/01-wg-ordering/prices_test.go"
	tests := []struct {
		name        string
		passed      bool
		buildFailed bool
		want        []want
	}{
		{name: "01-buggy", want: []want{
			{KindDeadlock, test, 81, "Compare did not return within 1s"},
			{KindLeak, kata, 83, "waiting in WaitGroup.Wait for a Done that never comes"},
			{KindRace, kata, 77, "conflicts with the previous read at katas/01-wg-ordering/prices.go:92"},
			{KindAssertion, test, 123, "Not equal: Compare returned before every supplier had answered"},
		}},
		{name: "01-solved", passed: true},
		{name: "01-panic", want: []want{{KindPanic, kata, 63, "assignment to entry in nil map"}}},
		{name: "01-build", buildFailed: true, want: []want{{KindBuild, kata, 62, "syntax error"}}},
		{name: "01-osexit", want: []want{{KindPanic, kata, 63, "called os.Exit during a test"}}},
		{name: "01-timeout", want: []want{
			{KindDeadlock, test, 81, "did not return"},
			{KindLeak, kata, 61, "a loop that never ends"},
			{KindDeadlock, test, 81, "did not return"},
			{KindLeak, kata, 61, "a loop that never ends"},
			{KindTimeout, kata, 61, "did not finish in time"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := fixture(t, tt.name)
			assert.Equal(t, tt.passed, res.Passed)
			assert.Equal(t, tt.buildFailed, res.BuildFailed)
			assert.True(t, res.Complete)
			require.Len(t, res.Findings, len(tt.want), "%+v", res.Findings)
			for i, w := range tt.want {
				f := res.Findings[i]
				assert.Equal(t, w.kind, f.Kind, "finding %d", i)
				assert.Equal(t, w.file, f.File, "finding %d", i)
				assert.Equal(t, w.line, f.Line, "finding %d", i)
				assert.Contains(t, f.Message, w.msg, "finding %d", i)
			}
		})
	}
}

// TestRaceDetails checks that both accesses and where their goroutines
// started are named at the learner's lines.
func TestRaceDetails(t *testing.T) {
	defer goleak.VerifyNone(t)
	res := fixture(t, "01-buggy")
	var race Finding
	for _, f := range res.Findings {
		if f.Kind == KindRace {
			race = f
		}
	}
	require.Len(t, race.Details, 2)
	assert.Contains(t, race.Details[0], "write by goroutine")
	assert.Contains(t, race.Details[0], "started at katas/01-wg-ordering/prices.go:66")
	assert.Contains(t, race.Details[1], "previous read by goroutine")
	assert.Equal(t, "TestCompareWaitsForLateRequests", race.Test)
}

// TestStreaming checks that findings arrive from Feed before the run ends.
func TestStreaming(t *testing.T) {
	defer goleak.VerifyNone(t)
	data, err := os.ReadFile(filepath.Join("testdata", "01-buggy.json"))
	require.NoError(t, err)
	d := New(opts)
	dec := testjson.NewDecoder(strings.NewReader(string(data)))
	firstAt, events, streamed := -1, 0, 0
	for {
		ev, err := dec.Next()
		if err != nil {
			break
		}
		events++
		got := d.Feed(ev)
		if len(got) > 0 && firstAt < 0 {
			firstAt = events
		}
		streamed += len(got)
	}
	res := d.Result()
	assert.Equal(t, len(res.Findings), streamed, "every finding is returned exactly once")
	assert.Greater(t, firstAt, 0)
	assert.Less(t, firstAt, events/2, "the first finding comes well before the end of the stream")
}

func TestEdgeCases(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		name     string
		stream   string
		complete bool
		passed   bool
		outcomes map[string]string
		kinds    []Kind
	}{
		{
			name:     "cut stream: a test that ran and never ended has failed",
			stream:   `{"Action":"run","Test":"TestA"}` + "\n" + `{"Action":"output","Test":"TestA","Output":"=== RUN   TestA\n"}`,
			outcomes: map[string]string{"TestA": "incomplete"},
		},
		{
			name: "plain t.Errorf is an assertion",
			stream: `{"Action":"run","Test":"TestA"}` + "\n" +
				`{"Action":"output","Test":"TestA","Output":"    a_test.go:12: got 3, want 4\n"}` + "\n" +
				`{"Action":"fail","Test":"TestA"}` + "\n" + `{"Action":"fail"}`,
			complete: true, outcomes: map[string]string{"TestA": "fail"}, kinds: []Kind{KindAssertion},
		},
		{
			name: "an unclosed response body is named in words",
			stream: `{"Action":"run","Test":"TestB"}` + "\n" +
				`{"Action":"output","Test":"TestB","Output":"    b_test.go:20: found unexpected goroutines:\n"}` + "\n" +
				`{"Action":"output","Test":"TestB","Output":"        [Goroutine 9 in state IO wait, with internal/poll.runtime_pollWait on top of the stack:\n"}` + "\n" +
				`{"Action":"output","Test":"TestB","Output":"        net/http.(*persistConn).readLoop(0xc0001)\n"}` + "\n" +
				`{"Action":"output","Test":"TestB","Output":"        \t/usr/local/go/src/net/http/transport.go:2395 +0x1\n"}` + "\n" +
				`{"Action":"output","Test":"TestB","Output":"        ]\n"}` + "\n" +
				`{"Action":"fail","Test":"TestB"}` + "\n" + `{"Action":"fail"}`,
			complete: true, outcomes: map[string]string{"TestB": "fail"}, kinds: []Kind{KindLeak},
		},
		{
			name:     "synctest leftovers are a leak",
			stream:   `{"Action":"output","Output":"panic: deadlock: main bubble goroutine has exited but blocked goroutines remain\n"}` + "\n" + `{"Action":"fail"}`,
			complete: true, outcomes: map[string]string{}, kinds: []Kind{KindLeak},
		},
		{
			name:     "runtime deadlock",
			stream:   `{"Action":"output","Output":"fatal error: all goroutines are asleep - deadlock!\n"}` + "\n" + `{"Action":"fail"}`,
			complete: true, outcomes: map[string]string{}, kinds: []Kind{KindDeadlock},
		},
		{name: "garbage", stream: "\x00\x01 not a stream\n{{{\n", outcomes: map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Stream(strings.NewReader(tt.stream), Options{Root: "/r"})
			require.NoError(t, err)
			assert.Equal(t, tt.complete, res.Complete)
			assert.Equal(t, tt.passed, res.Passed)
			got := map[string]string{}
			for _, tr := range res.Tests {
				got[tr.Name] = tr.Outcome
			}
			assert.Equal(t, tt.outcomes, got)
			var kinds []Kind
			for _, f := range res.Findings {
				kinds = append(kinds, f.Kind)
			}
			assert.Equal(t, tt.kinds, kinds)
		})
	}
	res, _ := Stream(strings.NewReader(`{"Action":"run","Test":"TestB"}`+"\n"+`{"Action":"output","Test":"TestB","Output":"    b_test.go:20: found unexpected goroutines:\n"}`+"\n"+`{"Action":"output","Test":"TestB","Output":"        [Goroutine 9 in state IO wait, with net/http.(*persistConn).readLoop on top of the stack:\n"}`), Options{})
	require.Len(t, res.Findings, 1)
	assert.Contains(t, res.Findings[0].Message, "a response body was never closed")
}

func TestParseVet(t *testing.T) {
	defer goleak.VerifyNone(t)
	out := "# example.com/k\n" +
		"katas/03-x/search.go:41:7: the cancel function returned by context.WithTimeout should be called, not discarded, to avoid a context leak\n" +
		"vet: katas/03-x/search.go:12:2: undefined: foo\n"
	got := ParseVet([]byte(out), Options{Root: "/r"})
	require.Len(t, got, 2)
	assert.Equal(t, Finding{Kind: KindVet, Message: "the cancel function returned by context.WithTimeout should be called, not discarded, to avoid a context leak",
		Location: Location{File: "katas/03-x/search.go", Line: 41, Col: 7}}, got[0])
	assert.Equal(t, KindBuild, got[1].Kind)
}

func FuzzStream(f *testing.F) {
	for _, name := range []string{"01-buggy", "01-panic", "01-timeout"} {
		data, err := os.ReadFile(filepath.Join("testdata", name+".json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data[:min(len(data), 4000)]))
	}
	f.Add("==================\nWARNING: DATA RACE\nWrite at 0x1 by goroutine 1:\n")
	f.Fuzz(func(t *testing.T, in string) {
		d := New(opts)
		dec := testjson.NewDecoder(strings.NewReader(in))
		n := 0
		for {
			ev, err := dec.Next()
			if err != nil {
				break
			}
			n += len(d.Feed(ev))
		}
		if res := d.Result(); len(res.Findings) < n {
			t.Fatalf("Result has %d findings, Feed returned %d", len(res.Findings), n)
		}
	})
}

func BenchmarkStream(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "01-buggy.json"))
	require.NoError(b, err)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		_, _ = Stream(strings.NewReader(string(data)), opts)
	}
}
