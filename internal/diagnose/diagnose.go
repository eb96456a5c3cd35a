package diagnose

import (
	"fmt"
	"io"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gokatas/concurrency/internal/testjson"
)

// Options say where the learner's code is, so findings point at it.
type Options struct {
	// Root is the absolute repository root; paths under it are shown relative
	// to it with forward slashes.
	Root string
	// KataDir is the repo-relative folder of the kata under test (e.g.
	// "katas/01-wg-ordering"); the learner's frame is the first frame in a
	// non-test .go file there. Empty means any non-test file under Root.
	KataDir string
}

// TestResult is how one test ended.
type TestResult struct {
	Name string `json:"name"`
	// Outcome is "pass", "fail", "skip", or "incomplete" (ran, never ended:
	// counted as failed).
	Outcome string        `json:"outcome"`
	Elapsed time.Duration `json:"elapsed"`
}

// Result is the diagnosis of a whole run.
type Result struct {
	Findings []Finding
	Tests    []TestResult
	// Passed: the package's final event was "pass".
	Passed bool
	// BuildFailed: the package did not compile (or setup failed).
	BuildFailed bool
	// Complete: a package-level end event arrived (false for a cut stream).
	Complete bool
}

// Diagnoser consumes events one at a time and yields findings as soon as
// each is complete, so a face can show the first finding before the run ends.
type Diagnoser struct {
	opts  Options
	loc   locator
	all   []Finding
	tests []TestResult
	index map[string]int // test name -> position in tests

	passed, complete, buildFailed bool

	raceBanner bool   // saw the "=====" line that opens a race report
	race       *block // open race report
	leak       *block // open goleak report
	testify    *block // open testify failure block
	dump       *block // panic / fatal error / timeout: runs to the end
	seen       map[string]bool
}

// block collects the lines of one multi-line report.
type block struct {
	test  string
	lines []string
	where Location // the test line that printed it, when known
}

// New returns a Diagnoser for one run.
func New(opts Options) *Diagnoser {
	return &Diagnoser{opts: opts, loc: newLocator(opts), index: map[string]int{}, seen: map[string]bool{}}
}

// Feed consumes one event and returns the findings it completed, in order.
// Every finding is returned exactly once, by Feed or by Result.
func (d *Diagnoser) Feed(ev testjson.Event) []Finding {
	start := len(d.all)
	switch ev.Action {
	case "run":
		d.test(ev.Test)
	case "pass", "fail", "skip":
		if ev.Test != "" {
			i := d.test(ev.Test)
			d.tests[i].Outcome = ev.Action
			d.tests[i].Elapsed = time.Duration(ev.Elapsed * float64(time.Second))
			d.closeTestify()
			break
		}
		d.passed = ev.Action == "pass"
		d.complete = true
		if ev.FailedBuild != "" {
			d.buildFailed = true
		}
		d.flush()
	case "build-output":
		for line := range strings.Lines(ev.Output) {
			d.buildLine(strings.TrimRight(line, "\r\n"))
		}
	case "build-fail":
		d.buildFailed = true
	case "output":
		if ev.Package == "" && ev.ImportPath == "" && buildErrRE.MatchString(ev.Output) {
			d.buildLine(strings.TrimRight(ev.Output, "\r\n"))
			break
		}
		for line := range strings.Lines(ev.Output) {
			d.line(ev.Test, strings.TrimRight(line, "\r\n"))
		}
	}
	return d.all[start:len(d.all):len(d.all)]
}

// Result flushes what is pending and returns the diagnosis of the run so far.
// Call it after the stream ends; its Findings hold every finding, including
// those Feed already returned.
func (d *Diagnoser) Result() Result {
	d.flush()
	tests := make([]TestResult, len(d.tests))
	copy(tests, d.tests)
	for i := range tests {
		if tests[i].Outcome == "" {
			tests[i].Outcome = "incomplete"
		}
	}
	return Result{
		Findings: append([]Finding(nil), d.all...), Tests: tests,
		Passed: d.passed && d.complete, BuildFailed: d.buildFailed, Complete: d.complete,
	}
}

// Stream diagnoses a whole `go test -json` stream.
func Stream(r io.Reader, opts Options) (Result, error) {
	d := New(opts)
	dec := testjson.NewDecoder(r)
	for {
		ev, err := dec.Next()
		if err == io.EOF {
			return d.Result(), nil
		}
		if err != nil {
			return d.Result(), err
		}
		d.Feed(ev)
	}
}

func (d *Diagnoser) test(name string) int {
	if i, ok := d.index[name]; ok {
		return i
	}
	d.index[name] = len(d.tests)
	d.tests = append(d.tests, TestResult{Name: name})
	return len(d.tests) - 1
}

func (d *Diagnoser) add(f Finding) {
	key := fmt.Sprintf("%s|%s|%s|%s:%d", f.Kind, f.Test, f.Message, f.File, f.Line)
	if d.seen[key] {
		return
	}
	d.seen[key] = true
	d.all = append(d.all, f)
}

// flush ends every open block.
func (d *Diagnoser) flush() {
	d.closeRace()
	d.closeLeak()
	d.closeTestify()
	d.closeDump()
}

var (
	// testLineRE matches t.Log/t.Error output: "    prices_test.go:81: message".
	testLineRE = regexp.MustCompile(`^\s+([\w.-]+\.go):(\d+): ?(.*)$`)
	buildErrRE = regexp.MustCompile(`^(\S+\.go):(\d+):(\d+): (.+)$`)
)

// line handles one output line of test (maybe "").
func (d *Diagnoser) line(test, text string) {
	trimmed := strings.TrimSpace(text)
	switch {
	case d.race != nil:
		if strings.HasPrefix(trimmed, "==================") {
			d.closeRace()
			return
		}
		d.race.lines = append(d.race.lines, text)
		return
	case trimmed == "==================":
		d.raceBanner = true
		return
	case d.raceBanner && trimmed == "WARNING: DATA RACE":
		d.raceBanner = false
		d.race = &block{test: test}
		return
	}
	d.raceBanner = false

	if d.dump != nil {
		d.dump.lines = append(d.dump.lines, text)
		return
	}
	if d.leak != nil {
		if text != "" && (text[0] == ' ' || text[0] == '\t') {
			d.leak.lines = append(d.leak.lines, text)
			return
		}
		d.closeLeak()
	}
	if d.testify != nil {
		if strings.HasPrefix(strings.TrimLeft(text, " "), "\t") {
			d.testify.lines = append(d.testify.lines, text)
			return
		}
		d.closeTestify()
	}

	m := testLineRE.FindStringSubmatch(text)
	switch {
	case strings.Contains(text, "found unexpected goroutines"):
		d.leak = &block{test: test, where: d.testLoc(m)}
	case strings.Contains(text, "Error Trace:"):
		d.testify = &block{test: test, lines: []string{text}}
	case m != nil && strings.HasPrefix(m[3], "deadlock guard:"):
		d.add(Finding{Kind: KindDeadlock, Test: test, Message: strings.TrimSpace(strings.TrimPrefix(m[3], "deadlock guard:")), Location: d.testLoc(m),
			Details: []string{"a call that should have returned is blocked for good; the leak report below shows where"}})
	case m != nil && m[3] == "" && strings.HasSuffix(m[1], "_test.go"):
		// testify prints "file_test.go:NN: " alone before its block.
	case m != nil && strings.HasSuffix(m[1], "_test.go") && test != "":
		d.add(Finding{Kind: KindAssertion, Test: test, Message: m[3], Location: d.testLoc(m)})
	case strings.HasPrefix(trimmed, "panic: ") || strings.HasPrefix(trimmed, "fatal error: "):
		d.dump = &block{test: test, lines: []string{trimmed}}
	}
}

// testLoc is the location of a "file_test.go:NN:" prefix, in the kata folder.
func (d *Diagnoser) testLoc(m []string) Location {
	if m == nil {
		return Location{}
	}
	n, _ := strconv.Atoi(m[2])
	file := m[1]
	if d.loc.kataDir != "" {
		file = path.Join(d.loc.kataDir, file)
	}
	return Location{File: file, Line: n}
}

func (d *Diagnoser) buildLine(text string) {
	m := buildErrRE.FindStringSubmatch(strings.TrimSpace(text))
	if m == nil {
		return
	}
	line, _ := strconv.Atoi(m[2])
	col, _ := strconv.Atoi(m[3])
	file := m[1]
	if !strings.HasPrefix(file, "/") && d.loc.kataDir != "" && !strings.Contains(file, "/") {
		file = path.Join(d.loc.kataDir, file)
	}
	d.add(Finding{Kind: KindBuild, Message: m[4], Location: Location{File: d.loc.rel(file), Line: line, Col: col}})
}
