package myths

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// goCmd runs the go command in this package's folder with a bounded time and
// returns its combined output and exit code.
func goCmd(t *testing.T, env []string, args ...string) (string, int) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts the go command; skipped with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee, "go %v: %s", args, out)
		code = ee.ExitCode()
	}
	return string(out), code
}

// Myth: deferred calls in a loop all see the loop's final value.
func printDeferred(w *bytes.Buffer) {
	for i := 0; i < 3; i++ {
		defer fmt.Fprint(w, i, " ")
	}
}

func TestDeferEvaluatesArgumentsImmediately(t *testing.T) {
	defer goleak.VerifyNone(t)
	var buf bytes.Buffer
	printDeferred(&buf)
	assert.Equal(t, "2 1 0 ", buf.String())
}

// Myth: http.DefaultTransport has no limits and no timeouts.
func TestDefaultTransportHasLimitsAndTimeouts(t *testing.T) {
	defer goleak.VerifyNone(t)
	tr, ok := http.DefaultTransport.(*http.Transport)
	require.True(t, ok)
	assert.Equal(t, 100, tr.MaxIdleConns)
	assert.Equal(t, 90*time.Second, tr.IdleConnTimeout)
	assert.Equal(t, 10*time.Second, tr.TLSHandshakeTimeout)
	assert.Equal(t, time.Second, tr.ExpectContinueTimeout)
	assert.Equal(t, 0, tr.MaxIdleConnsPerHost, "zero means the package default...")
	assert.Equal(t, 2, http.DefaultMaxIdleConnsPerHost, "...which is 2 idle connections per host")
	assert.Zero(t, http.DefaultClient.Timeout, "it is the Client that has no overall timeout")
	assert.Zero(t, (&http.Client{}).Timeout)
}

// Myth: go vet finds channel deadlocks.
func TestVetDoesNotFindDeadlocks(t *testing.T) {
	defer goleak.VerifyNone(t)
	out, code := goCmd(t, nil, "vet", "./testdata/vetdeadlock")
	assert.Equal(t, 0, code, "vet is silent on a program that deadlocks:\n%s", out)
	out, code = goCmd(t, nil, "run", "./testdata/vetdeadlock")
	assert.NotEqual(t, 0, code)
	assert.Contains(t, out, "fatal error: all goroutines are asleep - deadlock!")
}

// Myth: go test runs go vet, so copylocks, lostcancel, waitgroup and
// httpresponse bugs fail the tests.
func TestGoTestRunsOnlySomeVetAnalyzers(t *testing.T) {
	defer goleak.VerifyNone(t)
	out, code := goCmd(t, nil, "test", "-count=1", "./testdata/vetsubset")
	assert.Equal(t, 0, code, "go test passes:\n%s", out)
	out, code = goCmd(t, nil, "vet", "./testdata/vetsubset")
	assert.NotEqual(t, 0, code)
	for _, want := range []string{
		"passes lock by value",                                // copylocks
		"the cancel function returned by context.WithTimeout", // lostcancel
		"WaitGroup.Add called from inside new goroutine",      // waitgroup (Go 1.25+)
		"using resp before checking for errors",               // httpresponse
	} {
		assert.Contains(t, out, want)
	}
	// waitgroup matches only an Add that is the goroutine's first statement:
	// RunAllPaced, shaped like kata 01, is not reported.
	assert.Equal(t, 1, strings.Count(out, "WaitGroup.Add called from inside new goroutine"), "%s", out)
}

// Myth: an unstopped time.After in a loop holds its memory until it fires.
func TestUnreferencedTimersAreCollected(t *testing.T) {
	defer goleak.VerifyNone(t)
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	for range 200_000 {
		_ = time.After(time.Hour) // never stopped, never fires during the test
	}
	after := heap()
	// 200,000 live timers would hold tens of MiB; collected, almost nothing is left.
	assert.Less(t, int64(after)-int64(before), int64(4<<20),
		"heap grew from %d to %d bytes", before, after)

	before = heap()
	for range 200_000 {
		_ = time.NewTicker(time.Hour) // never stopped either
	}
	after = heap()
	assert.Less(t, int64(after)-int64(before), int64(4<<20),
		"unstopped tickers: heap grew from %d to %d bytes", before, after)
}

// ...but a goroutine blocked on such a timer is still a leak until it fires.
func TestGoroutineBlockedOnTimerStillRuns(t *testing.T) {
	defer goleak.VerifyNone(t)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		select {
		case <-time.After(time.Hour):
		case <-stop: // only so the test can clean up
		}
	})
	goroutines := runtime.NumGoroutine()
	runtime.GC()
	assert.Equal(t, goroutines, runtime.NumGoroutine(), "GC does not end a goroutine blocked on a timer")
	assert.Error(t, goleak.Find(), "goleak sees the blocked goroutine")
	close(stop)
	wg.Wait()
}

// Myth: goroutines started in a loop all see the loop variable's last value.
func TestLoopVariableIsPerIteration(t *testing.T) {
	defer goleak.VerifyNone(t)
	var (
		mu   sync.Mutex
		seen []int
		wg   sync.WaitGroup
	)
	for i := 0; i < 3; i++ {
		wg.Go(func() {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, i) // each iteration has its own i since Go 1.22
		})
	}
	wg.Wait()
	slices.Sort(seen)
	assert.Equal(t, []int{0, 1, 2}, seen)
}

// Myth: the garbage collector frees goroutines that can never make progress.
func TestBlockedGoroutinesAreNotCollected(t *testing.T) {
	defer goleak.VerifyNone(t)
	release := make(chan struct{})
	var (
		wg, started sync.WaitGroup
		alive       atomic.Int64 // goroutines started and not yet ended
	)
	for range 100 {
		started.Add(1)
		wg.Go(func() {
			alive.Add(1)
			defer alive.Add(-1)
			started.Done()
			<-release
		})
	}
	started.Wait()
	for range 3 {
		runtime.GC()
	}
	assert.Equal(t, int64(100), alive.Load(), "every blocked goroutine survives garbage collection")
	close(release)
	wg.Wait()
}

// Myth: the race detector only catches accesses that collide in time.
func TestRaceDetectorFollowsHappensBefore(t *testing.T) {
	defer goleak.VerifyNone(t)
	if !raceSupported(t) {
		t.Skip("race detector needs cgo and a C compiler")
	}
	for run := range 3 {
		out, code := goCmd(t, []string{"GORACE=atexit_sleep_ms=0"}, "run", "-race", "./testdata/racetiming")
		assert.NotEqual(t, 0, code, "run %d", run)
		assert.Contains(t, out, "WARNING: DATA RACE", "run %d: writes 20 ms apart are still a race", run)
	}
}

func raceSupported(t *testing.T) bool {
	t.Helper()
	out, _ := goCmd(t, nil, "env", "CGO_ENABLED")
	if strings.TrimSpace(out) != "1" {
		return false
	}
	_, err := exec.LookPath("gcc")
	if err != nil {
		_, err = exec.LookPath("cc")
	}
	return err == nil
}

// Myth: in a container you need a library to size GOMAXPROCS; the default is
// the host's CPU count. Since Go 1.25 the runtime derives the default from the
// cgroup CPU limit itself, and SetDefaultGOMAXPROCS restores that default
// after an override.
func TestSetDefaultGOMAXPROCSRestoresTheDefault(t *testing.T) {
	defer goleak.VerifyNone(t)
	prev := runtime.GOMAXPROCS(0)
	t.Cleanup(func() { runtime.GOMAXPROCS(prev) })

	runtime.SetDefaultGOMAXPROCS()
	def := runtime.GOMAXPROCS(0)
	assert.LessOrEqual(t, def, runtime.NumCPU(), "the default never exceeds the CPUs available")

	runtime.GOMAXPROCS(def + 7) // an override switches the automatic default off...
	assert.Equal(t, def+7, runtime.GOMAXPROCS(0))
	runtime.SetDefaultGOMAXPROCS() // ...and this switches it back on
	assert.Equal(t, def, runtime.GOMAXPROCS(0))
}
