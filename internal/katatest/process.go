package katatest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// childEnv names the environment variable that tells a test binary it runs
// as the child process of InOwnProcess, and which test it is there to run.
const childEnv = "KATATEST_CHILD_TEST"

// childTimeout is the child's own -test.timeout: far beyond any scenario, it
// only ends a child that hangs outside the scenario's guards.
const childTimeout = "60s"

// Crash is how a child process of InOwnProcess ended when a panic or a fatal
// error ended it.
type Crash struct {
	// Value is what the process died of: the panic's value ("send on closed
	// channel") or the fatal error's text.
	Value string
	// Func and At are the first frame of the crashing goroutine in the
	// package under test (not a test file): "(*Bus).Close" and
	// "bus.go:97". Empty when no frame of the package is on that stack.
	Func, At string
	// StartedAt is where the crashing goroutine was started, when the
	// package under test started it ("bus.go:55").
	StartedAt string
	// Stack is the crashing goroutine's stack as the runtime printed it.
	Stack string
}

// Summary says what crashed where, in one line: "panic: send on closed
// channel in (*Bus).dispatch at bus.go:77, on a goroutine started at
// bus.go:44".
func (c *Crash) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "panic: %s", c.Value)
	if c.At != "" {
		fmt.Fprintf(&b, " in %s at %s", c.Func, c.At)
	}
	if c.StartedAt != "" {
		fmt.Fprintf(&b, ", on a goroutine started at %s", c.StartedAt)
	}
	return b.String()
}

// String is the Summary and then the crashing goroutine's stack.
func (c *Crash) String() string {
	return c.Summary() + "\n\n" + c.Stack
}

// InOwnProcess runs fn, the body of the calling test, in a fresh child process
// of the test binary, and reports how that process ended.
//
// A panic that no deferred recover on its own goroutine catches ends the whole
// process: when it happens on a goroutine the code under test started, no
// test can recover it, and in the test binary it would end the run before any
// finding is reported. In its own process the crash becomes something the
// test can assert on: InOwnProcess returns it as a *Crash, with the panic's
// value and the line of the package under test where it happened.
//
// In the child, InOwnProcess calls fn(t) and returns nil: fn's assertions,
// deadlock guards and leak checks run there. In the parent it returns nil when
// the child passed; when the child failed without crashing, it fails t with
// the child's output, so those findings reach the parent's report; when the
// child crashed, it returns the Crash and leaves the verdict to the caller.
// The caller should report it inside an assertion's message, never as a bare
// "panic:" line: a report reader takes such a line for a panic of the parent
// process itself. A child that hits its own -test.timeout fails t with a
// DeadlockMarker message.
// The child inherits the environment (GOMAXPROCS included), runs only this
// test, and does not pause at exit under the race detector.
func InOwnProcess(t *testing.T, fn func(t *testing.T)) *Crash {
	t.Helper()
	if os.Getenv(childEnv) == t.Name() {
		fn(t)
		return nil
	}
	parts := strings.Split(t.Name(), "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	cmd := exec.Command(os.Args[0], "-test.run="+strings.Join(parts, "/"), "-test.count=1", "-test.timeout="+childTimeout)
	cmd.Env = append(os.Environ(), childEnv+"="+t.Name(), "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	out, err := cmd.CombinedOutput()
	if err == nil {
		return nil
	}
	wd, _ := os.Getwd()
	if c := parseCrash(string(out), wd); c != nil {
		return c
	}
	if strings.Contains(string(out), "panic: test timed out") {
		t.Errorf("%s %s did not finish in its own process within %s: something in it blocks outside the deadlock guards",
			DeadlockMarker, t.Name(), childTimeout)
		return nil
	}
	t.Errorf("%s failed in its own process (%v):\n%s", t.Name(), err, strings.TrimSpace(string(out)))
	return nil
}

// parseCrash finds the first panic or fatal error in a test binary's output
// and the crashing goroutine's stack; dir is the package under test's folder.
// A test timeout is not a crash: it returns nil.
func parseCrash(out, dir string) *Crash {
	var value string
	var rest string
	for line := range strings.Lines(out) {
		if value != "" {
			rest += line
			continue
		}
		l := strings.TrimRight(line, "\n")
		switch {
		case strings.HasPrefix(l, "panic: test timed out"):
			return nil
		case strings.HasPrefix(l, "panic: "):
			value = strings.TrimPrefix(l, "panic: ")
		case strings.HasPrefix(l, "fatal error: "):
			value = strings.TrimPrefix(l, "fatal error: ")
		}
	}
	if value == "" {
		return nil
	}
	if i := strings.Index(value, " [recovered"); i >= 0 {
		value = value[:i]
	}
	c := &Crash{Value: value}
	// The crashing goroutine's block is the first one after the panic line.
	_, block, _ := strings.Cut(rest, "goroutine ")
	block, _, _ = strings.Cut(block, "\n\n")
	c.Stack = strings.TrimSpace("goroutine " + block)
	lines := strings.Split(c.Stack, "\n")
	for i := 1; i+1 < len(lines); i++ {
		fn, loc := lines[i], strings.TrimSpace(lines[i+1])
		if !strings.HasPrefix(lines[i+1], "\t") {
			continue
		}
		file, _, _ := strings.Cut(loc, " +0x")
		if filepath.Dir(fileOf(file)) != dir || strings.HasSuffix(fileOf(file), "_test.go") {
			continue
		}
		short := filepath.Base(file)
		if strings.HasPrefix(fn, "created by ") {
			if c.StartedAt == "" {
				c.StartedAt = short
			}
			continue
		}
		if c.At == "" {
			c.Func = funcName(fn)
			c.At = short
		}
	}
	return c
}

// fileOf strips the ":line" from a stack frame's "file:line".
func fileOf(loc string) string {
	if i := strings.LastIndex(loc, ":"); i > 0 {
		return loc[:i]
	}
	return loc
}

// funcName shortens a frame's "path/to/pkg.(*T).M(args)" to "(*T).M": the
// package is the one under test.
func funcName(frame string) string {
	if i := strings.LastIndex(frame, "("); i > 0 && strings.HasSuffix(frame, ")") {
		frame = frame[:i]
	}
	frame = frame[strings.LastIndex(frame, "/")+1:]
	_, name, ok := strings.Cut(frame, ".")
	if !ok {
		return frame
	}
	return name
}
