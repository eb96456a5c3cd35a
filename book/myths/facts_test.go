package myths

// The tests in this file prove facts the book states about the detectors
// and the runtime, where a careless sentence would be wrong.

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// timerHeapGrowth makes 200,000 timers with make, drops them, and returns
// how many bytes the heap kept after a garbage collection.
func timerHeapGrowth(make func()) int64 {
	heap := func() int64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return int64(m.HeapAlloc)
	}
	before := heap()
	for range 200_000 {
		make()
	}
	return heap() - before
}

// The Go 1.23 timers are collected only with asynctimerchan=0, the default
// for a main module whose go.mod says go 1.23 or later. With the old
// setting, every unstopped timer stays in the heap until it fires. Go 1.27
// removed the setting: a program started with asynctimerchan=1 stops at once
// with a fatal error.
func TestOldTimersStayUntilTheyFire(t *testing.T) {
	defer goleak.VerifyNone(t)
	out, code := runChild(t, "timer-heap", []string{"GODEBUG=asynctimerchan=1"})
	if atLeast("go1.27") {
		assert.NotEqual(t, 0, code)
		assert.Contains(t, out, `removed GODEBUG "asynctimerchan"`, "%s: the old timers are gone", runtime.Version())
		return
	}
	require.Equal(t, 0, code, "%s", out)
	var grew int64
	_, err := fmt.Sscanf(out, "heap growth: %d", &grew)
	require.NoError(t, err, "%s", out)
	assert.Greater(t, grew, int64(16<<20), "with asynctimerchan=1, 200,000 pending timers stay in the heap")
}

// goleak names a goroutine stuck in WaitGroup.Wait by the wait reason Go
// 1.25 introduced, not [semacquire].
func TestGoleakShowsWaitGroupWaitState(t *testing.T) {
	defer goleak.VerifyNone(t)
	var wg sync.WaitGroup
	wg.Add(1)
	waiting := make(chan struct{})
	go func() {
		defer close(waiting)
		wg.Wait()
	}()
	waitUntilStacks("[sync.WaitGroup.Wait")
	err := goleak.Find()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "in state sync.WaitGroup.Wait")
	assert.NotContains(t, err.Error(), "semacquire")
	wg.Done()
	<-waiting
}

// When f panics inside wg.Go: in Go 1.25, Done runs as the panic unwinds,
// so Wait may return in the instant before the crash; since Go 1.26
// (golang/go#76126) Done is skipped and Wait stays blocked.
func TestWaitGroupGoPanicAndWait(t *testing.T) {
	defer goleak.VerifyNone(t)
	out, code := runChild(t, "waitgroup-go-panic", nil)
	assert.Contains(t, out, "panic: f panics inside wg.Go")
	if !atLeast("go1.26") {
		t.Logf("%s: Wait may or may not return before the crash (exit %d)", runtime.Version(), code)
		return
	}
	assert.Equal(t, 2, code, "%s", out)
	assert.NotContains(t, out, "Wait returned", "Go 1.26+: Wait does not return for a panicking f")
}

// An Add inside the goroutine it counts: -race reports the misuse only
// when Wait blocks after such an Add, and the report's frames for the two
// accesses are the race runtime's, with no sync.WaitGroup frame.
func TestAddInsideGoroutineRaceReport(t *testing.T) {
	defer goleak.VerifyNone(t)
	needRace(t)
	out, code := runChild(t, "add-race-blocks", nil)
	assert.Equal(t, 66, code, "%s", out)
	assert.Contains(t, out, "WARNING: DATA RACE")
	assert.Contains(t, out, "runtime.raceread()")
	assert.Contains(t, out, "runtime.racewrite()")
	assert.NotContains(t, out, "sync.(*WaitGroup)", "no WaitGroup frame in the report")

	out, code = runChild(t, "add-race-finished", nil)
	assert.Equal(t, 0, code, "%s", out)
	assert.NotContains(t, out, "DATA RACE", "every goroutine finished before Wait: no report")
}

// A print between two conflicting accesses can hide their race: both
// prints lock the same os.File, and that lock orders the write before the
// read.
func TestPrintCanHideRace(t *testing.T) {
	defer goleak.VerifyNone(t)
	needRace(t)
	out, code := runChild(t, "bare-race", nil)
	assert.Equal(t, 66, code, "%s", out)
	assert.Contains(t, out, "WARNING: DATA RACE")

	out, code = runChild(t, "print-hides-race", nil)
	assert.Equal(t, 0, code, "%s", out)
	assert.NotContains(t, out, "DATA RACE", "the same race, hidden by two fmt.Println calls")
}

// TestChildCountRace races on purpose; TestRaceFailsOnlyFirstOfCount runs
// it with -count=3. The two accesses come in the same order in every run
// (the goroutine's first, seen finished through goroutine dumps, which order
// nothing for the race detector): the detector recognises a report it has
// made by its two stacks, and the opposite order would be a new report.
func TestChildCountRace(t *testing.T) {
	asChild(t)
	var x int
	go func() { x++ }()
	waitUntilGone("TestChildCountRace.func1")
	x++
}

// With -count=N, a race fails only the first run: the detector reports each
// race (the same two stacks) once per process.
func TestRaceFailsOnlyFirstOfCount(t *testing.T) {
	defer goleak.VerifyNone(t)
	needRace(t)
	out, code := runChild(t, "test:TestChildCountRace", nil, "-test.count=3", "-test.v")
	assert.Equal(t, 1, code, "%s", out)
	assert.Equal(t, 1, strings.Count(out, "--- FAIL: TestChildCountRace"), "%s", out)
	assert.Equal(t, 2, strings.Count(out, "--- PASS: TestChildCountRace"), "%s", out)
}

// TestChildMutexInBubble leaves a goroutine blocked on a mutex when the
// bubble's root returns; TestMutexHangsSynctestBubble runs it.
func TestChildMutexInBubble(t *testing.T) {
	asChild(t)
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		mu.Lock()
		go func() { mu.Lock() }() // a mutex is not durably blocking
	})
}

// A goroutine still blocked on a sync.Mutex makes the bubble wait for it,
// with no deadlock panic: the test hangs until -timeout ends the binary.
func TestMutexHangsSynctestBubble(t *testing.T) {
	defer goleak.VerifyNone(t)
	out, code := runChild(t, "test:TestChildMutexInBubble", nil, "-test.timeout=1s")
	assert.NotEqual(t, 0, code)
	assert.Contains(t, out, "panic: test timed out after 1s", "%s", out)
	assert.NotContains(t, out, "deadlock")
}

// leakyM is a testing.M stand-in whose Run leaves a goroutine blocked and
// returns code.
type leakyM struct{ code int }

func (m leakyM) Run() int {
	block := make(chan struct{})
	go func() { <-block }()
	return m.code
}

// TestChildVerifyTestMain hands goleak.VerifyTestMain a run that leaks and
// exits with the code in MYTHS_CODE.
func TestChildVerifyTestMain(t *testing.T) {
	asChild(t)
	goleak.VerifyTestMain(leakyM{code: map[string]int{"0": 0, "1": 1}[os.Getenv("MYTHS_CODE")]})
}

// goleak.VerifyTestMain checks for leaks only when every test passed.
func TestVerifyTestMainSkipsCheckOnFailure(t *testing.T) {
	defer goleak.VerifyNone(t)
	out, code := runChild(t, "test:TestChildVerifyTestMain", []string{"MYTHS_CODE=0"})
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "goleak: Errors on successful test run", "tests passed: the leak is reported")

	out, code = runChild(t, "test:TestChildVerifyTestMain", []string{"MYTHS_CODE=1"})
	assert.Equal(t, 1, code)
	assert.NotContains(t, out, "goleak", "tests failed: no leak check at all")
}

// The documentation asks to close every body, but only a body with bytes
// in it pins its connection: a response without a body (HEAD, 204, an error
// with Content-Length: 0) goes back to the pool on its own.
func TestOnlyNonEmptyBodiesPinConnections(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/no-content":
			w.WriteHeader(http.StatusNoContent)
		case "/empty-error":
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(http.StatusServiceUnavailable)
		case "/error-page":
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "<h1>down for maintenance</h1>")
		default:
			_, _ = io.WriteString(w, "a body HEAD does not get")
		}
	}))
	defer srv.Close()
	for _, tc := range []struct {
		method, path string
		wantReuse    bool
	}{
		{http.MethodHead, "/", true},
		{http.MethodGet, "/no-content", true},
		{http.MethodGet, "/empty-error", true},
		{http.MethodGet, "/error-page", false},
	} {
		t.Run(tc.method+tc.path, func(t *testing.T) {
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}
			var open []io.Closer
			defer func() {
				for _, c := range open {
					c.Close()
				}
			}()
			reused := make([]bool, 2)
			for i := range reused {
				trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { reused[i] = info.Reused }}
				req, err := http.NewRequestWithContext(httptrace.WithClientTrace(t.Context(), trace), tc.method, srv.URL+tc.path, nil)
				require.NoError(t, err)
				resp, err := client.Do(req)
				require.NoError(t, err)
				open = append(open, resp.Body) // closed only when the subtest ends
			}
			assert.Equal(t, tc.wantReuse, reused[1], "is the first, unclosed response's connection reused?")
		})
	}
}

// The goroutine leak profile (Go 1.26 with GOEXPERIMENT=goroutineleakprofile,
// standard since Go 1.27) reports the connection goroutines of unclosed
// bodies only when their Transport is unreachable.
func TestLeakProfileNeedsAnUnreachableTransport(t *testing.T) {
	defer goleak.VerifyNone(t)
	if !atLeast("go1.26") {
		t.Skipf("%s has no goroutine leak profile (new in Go 1.26)", runtime.Version())
	}
	bin := filepath.Join(t.TempDir(), "leakprofile")
	var env []string // Go 1.27 made the profile a standard one and dropped the experiment
	if !atLeast("go1.27") {
		env = []string{"GOEXPERIMENT=goroutineleakprofile"}
	}
	out, code := goCmd(t, env, "build", "-o", bin, "./testdata/leakprofile")
	if code != 0 && strings.Contains(out, "unknown GOEXPERIMENT") {
		t.Skipf("%s: %s", runtime.Version(), out)
	}
	require.Equal(t, 0, code, "%s", out)
	for _, tc := range []struct {
		client      string
		wantLeaking int
	}{
		{"default", 0}, // http.DefaultClient: its Transport is reachable
		{"global", 0},  // a client kept in a package variable
		{"fresh", 3},   // a Transport per request, dropped: 3 bodies, 3 readLoops
	} {
		t.Run(tc.client, func(t *testing.T) {
			out, err := runBinary(t, bin, tc.client)
			require.NoError(t, err, "%s", out)
			if strings.Contains(out, "no goroutineleak profile") {
				t.Skipf("%s: %s", runtime.Version(), out)
			}
			assert.Contains(t, out, "channel leaks: 1", "the profile works: it sees a plain channel leak")
			assert.Contains(t, out, fmt.Sprintf("readLoop leaks: %d", tc.wantLeaking))
		})
	}
}

// runBinary runs a built demonstration and returns its combined output.
func runBinary(t *testing.T, bin string, args ...string) (string, error) {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), bin, args...).CombinedOutput()
	return string(out), err
}

// DefaultTransport dials with a 30 s connect timeout and 30 s keep-alive.
// Its DialContext is the method value of a net.Dialer; the test reads that
// Dialer through the method value's closure, which is a detail of the
// compiler, so it checks the function first and skips if it has changed.
func TestDefaultTransportDialTimeout(t *testing.T) {
	defer goleak.VerifyNone(t)
	tr, ok := http.DefaultTransport.(*http.Transport)
	require.True(t, ok)
	dial := tr.DialContext
	name := runtime.FuncForPC(reflect.ValueOf(dial).Pointer()).Name()
	if name != "net.(*Dialer).DialContext-fm" {
		t.Skipf("DialContext is %s, not a net.Dialer method value", name)
	}
	closure := *(*unsafe.Pointer)(unsafe.Pointer(&dial))
	d := (*struct {
		fn     uintptr
		dialer *net.Dialer
	})(closure).dialer
	assert.Equal(t, 30*time.Second, d.Timeout)
	assert.Equal(t, 30*time.Second, d.KeepAlive)
}

// The container-aware default (Go 1.25) rounds a fractional cgroup CPU
// limit up and never goes below 2. This machine cannot be given a cgroup
// limit from a test, so the test checks the rule in the runtime's source.
func TestCgroupLimitRounding(t *testing.T) {
	defer goleak.VerifyNone(t)
	src, err := os.ReadFile(filepath.Join(runtime.GOROOT(), "src", "runtime", "cgroup_linux.go"))
	if err != nil {
		t.Skipf("runtime source not available: %v", err)
	}
	fn := string(src)
	start := strings.Index(fn, "func adjustCgroupGOMAXPROCS(")
	require.GreaterOrEqual(t, start, 0, "adjustCgroupGOMAXPROCS moved")
	body := fn[start:]
	body = body[:strings.Index(body, "\n}\n")]
	assert.Contains(t, body, "limit = ceil(limit)", "a limit of 1.5 CPUs counts as 2")
	assert.Contains(t, body, "limit = max(limit, 2)", "a limit under 2 counts as 2")
}

// BenchmarkUnlock compares a manual Unlock with a deferred one:
//
//	go test -run '^$' -bench Unlock ./book/myths
func BenchmarkUnlock(b *testing.B) {
	var mu sync.Mutex
	var n int
	direct := func() {
		mu.Lock()
		n++
		mu.Unlock()
	}
	deferred := func() {
		mu.Lock()
		defer mu.Unlock()
		n++
	}
	b.Run("direct", func(b *testing.B) {
		for b.Loop() {
			direct()
		}
	})
	b.Run("deferred", func(b *testing.B) {
		for b.Loop() {
			deferred()
		}
	})
}
