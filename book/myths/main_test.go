package myths

import (
	"context"
	"fmt"
	"go/version"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// childEnv names the demonstration a re-executed test binary runs instead of
// the tests. Programs that crash, race or hang on purpose run in a child
// process, so this package's own tests stay green under -race.
const childEnv = "MYTHS_CHILD"

func TestMain(m *testing.M) {
	if name := os.Getenv(childEnv); name != "" && !strings.HasPrefix(name, "test:") {
		runChildProgram(name)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runChildProgram runs one demonstration as if it were a main function.
func runChildProgram(name string) {
	switch name {
	case "goroutine-panic":
		childGoroutinePanic()
	case "waitgroup-go-panic":
		childWaitGroupGoPanic()
	case "add-race-blocks":
		childAddInsideGoroutine(true)
	case "add-race-finished":
		childAddInsideGoroutine(false)
	case "print-hides-race":
		childPrintBetweenAccesses(true)
	case "bare-race":
		childPrintBetweenAccesses(false)
	case "timer-heap":
		fmt.Printf("heap growth: %d\n", timerHeapGrowth(func() { _ = time.After(time.Hour) }))
	default:
		fmt.Fprintf(os.Stderr, "unknown child %q\n", name)
		os.Exit(3)
	}
}

// runChild re-runs this test binary as the named child and returns its
// combined output and exit code. A name starting with "test:" runs the test
// of that name (args add test flags); any other name runs a child program.
func runChild(t *testing.T, name string, env []string, args ...string) (string, int) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a child process; skipped with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if test, ok := strings.CutPrefix(name, "test:"); ok {
		args = append([]string{"-test.run=^" + test + "$"}, args...)
	} else {
		args = append([]string{"-test.run=^$"}, args...)
	}
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), append([]string{childEnv + "=" + name, "GORACE=atexit_sleep_ms=0"}, env...)...)
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee, "child %s: %s", name, out)
		code = ee.ExitCode()
	}
	return string(out), code
}

// asChild skips a test unless this process is the child that runs it.
func asChild(t *testing.T) {
	t.Helper()
	if os.Getenv(childEnv) != "test:"+t.Name() {
		t.Skip("a demonstration run in a child process by another test")
	}
}

// needRace skips a test that re-runs this binary to show a race report
// unless the binary was built with -race.
func needRace(t *testing.T) {
	t.Helper()
	if !raceEnabled {
		t.Skip("shows a race report: run with go test -race")
	}
}

// atLeast reports whether the running Go is release v or newer. A
// development build counts as newer than every release.
func atLeast(v string) bool {
	rv := runtime.Version()
	if !version.IsValid(rv) {
		return true
	}
	return version.Compare(rv, v) >= 0
}

// waitUntilStacks polls the stack dump of every goroutine until it contains
// want. Taking a stack dump synchronises with nothing the race detector
// sees, so two accesses on either side of the wait stay unordered.
func waitUntilStacks(want string) {
	buf := make([]byte, 1<<20)
	for !strings.Contains(string(buf[:runtime.Stack(buf, true)]), want) {
		runtime.Gosched()
	}
}

// childGoroutinePanic: a goroutine panics while main waits for something
// that never comes. The panic ends the whole process.
func childGoroutinePanic() {
	never := make(chan struct{})
	go func() { panic("a child goroutine panics") }()
	<-never
	fmt.Println("main goes on") // never printed
}

// childWaitGroupGoPanic: f panics inside wg.Go while main waits.
func childWaitGroupGoPanic() {
	var wg sync.WaitGroup
	wg.Go(func() { panic("f panics inside wg.Go") })
	wg.Wait()
	fmt.Println("Wait returned before the crash")
	os.Exit(0)
}

// childAddInsideGoroutine: the goroutine counts itself, so its Add is
// unordered with Wait. With blocks, Wait starts while the goroutine is
// still running; without, the goroutine has finished before Wait.
func childAddInsideGoroutine(blocks bool) {
	var wg sync.WaitGroup
	release := make(chan struct{})
	go func() {
		runtime.Gosched() // any statement before Add keeps vet's waitgroup analyzer quiet, as in kata 01
		wg.Add(1)         // inside the goroutine it counts
		defer wg.Done()
		<-release
	}()
	if blocks {
		waitUntilStacks("[chan receive")
		go func() {
			waitUntilStacks("[sync.WaitGroup.Wait")
			close(release)
		}()
	} else {
		close(release)
		waitUntilGone("childAddInsideGoroutine.func1")
	}
	wg.Wait()
	fmt.Println("Wait returned")
}

func stacks() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}

// childPrintBetweenAccesses: a goroutine writes x, main reads it after the
// goroutine has ended (found by polling, which orders nothing). With print,
// both sides print a line in between.
func childPrintBetweenAccesses(print bool) {
	var x int
	go func() {
		x = 1
		if print {
			fmt.Println("written")
		}
	}()
	waitUntilGone("childPrintBetweenAccesses.func1")
	if print {
		fmt.Println("reading")
	}
	fmt.Println("x =", x)
}

// waitUntilGone polls until no goroutine's stack mentions fn.
func waitUntilGone(fn string) {
	for strings.Contains(stacks(), fn) {
		runtime.Gosched()
	}
}
