package diagnose

import (
	"context"
	"io"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gokatas/concurrency/internal/cause"
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
	// Module is the module path of the repository at Root (e.g.
	// "github.com/gokatas/concurrency"). Optional: with KataDir empty it lets
	// a test's "file_test.go:12:" lines be placed in their package's folder.
	Module string
	// Source is where the learner's code is read from to find causes,
	// rooted at Root; nil means the directory Root when it exists.
	Source fs.FS
}

// TestResult is how one test ended.
type TestResult struct {
	Name string `json:"name"`
	// Package is the import path of the test's package, when the stream says.
	Package string `json:"package,omitempty"`
	// Outcome is "pass", "fail", "skip", or "incomplete" (ran, never ended:
	// counted as failed).
	Outcome string        `json:"outcome"`
	Elapsed time.Duration `json:"elapsed"`
}

// Result is the diagnosis of a whole run.
type Result struct {
	Findings []Finding
	Tests    []TestResult
	// Passed: the package's final event was "pass" (with several packages:
	// every package's).
	Passed bool
	// BuildFailed: the package did not compile (or setup failed).
	BuildFailed bool
	// Complete: a package-level end event arrived (false for a cut stream).
	Complete bool
}

// Diagnoser consumes events one at a time and yields findings as soon as
// each is complete, so a face can show the first finding before the run ends.
// A Diagnoser is not safe for concurrent use.
type Diagnoser struct {
	opts  Options
	loc   locator
	all   []Finding
	tests []TestResult
	index map[string]int // package + "\x00" + test -> position in tests

	started map[string]bool   // packages that sent "start"
	ended   map[string]string // package -> its last package-level action
	order   []string          // packages in order of their end events
	build   bool              // saw build-fail or FailedBuild

	raceBanner bool   // saw the "=====" line that opens a race report
	race       *block // open race report
	leak       *block // open goleak report
	testify    *block // open testify failure block
	dump       *block // panic / fatal error / timeout: runs to the end
	// logs holds "file_test.go:NN: msg" lines of running tests: they become
	// assertion findings only if the test fails (t.Log in a passing test
	// is not a problem).
	logs map[string][]Finding
	seen map[string]bool
	// partial holds the start of a line test2json split into several
	// output events (it flushes every 1024 bytes), per package and test.
	partial map[string]string
	// pkgs caches the static analysis of each package folder (nil: unreadable).
	pkgs map[string]*cause.Package
	// panics holds the learner's lines a panic went through, by file.
	panics map[string]map[int]bool
	// files caches the lines of source files read for sourceLine.
	files map[string][]string
}

// maxMessage caps a finding's message and each of its details, in bytes.
const maxMessage = 2000

// maxPartial caps how much of one long output line is kept.
const maxPartial = 64 << 10

// block collects the lines of one multi-line report.
type block struct {
	test  string
	pkg   string // the import path of the test's package
	lines []string
	where Location // the test line that printed it, when known
	// bare: the report was printed straight to the output (goleak's
	// VerifyTestMain), not through t.Error, so its lines are not indented.
	bare bool
	// indent is the indentation of the line that opened the block: the
	// report's own lines are indented deeper.
	indent int
}

// indent counts the leading spaces of a line.
func indent(text string) int { return len(text) - len(strings.TrimLeft(text, " ")) }

// endsBareLeak reports the lines that end an unindented goleak report:
// go test's own summary lines.
func endsBareLeak(text string) bool {
	for _, p := range []string{"FAIL", "ok ", "PASS", "--- ", "=== ", "exit status", "panic: ", "fatal error: ", "coverage: "} {
		if strings.HasPrefix(text, p) {
			return true
		}
	}
	return false
}

// New returns a Diagnoser for one run.
func New(opts Options) *Diagnoser {
	return &Diagnoser{
		opts: opts, loc: newLocator(opts),
		index: map[string]int{}, started: map[string]bool{}, ended: map[string]string{},
		logs: map[string][]Finding{}, seen: map[string]bool{}, partial: map[string]string{},
		pkgs: map[string]*cause.Package{}, panics: map[string]map[int]bool{}, files: map[string][]string{},
	}
}

// Feed consumes one event and returns the findings it completed, in order.
// Every finding is returned exactly once, by Feed or by Result.
func (d *Diagnoser) Feed(ev testjson.Event) []Finding {
	start := len(d.all)
	if ev.Package != "" {
		d.loc.pkgs[strings.TrimSuffix(ev.Package, "_test")] = true
	}
	switch ev.Action {
	case "start":
		d.started[ev.Package] = true
	case "run":
		d.test(ev.Package, ev.Test)
	case "pass", "fail", "skip":
		if ev.Test != "" {
			d.endTest(ev)
			break
		}
		d.flush()
		pkg := ev.Package
		if pkg == "" {
			pkg = ev.ImportPath
		}
		if _, ok := d.ended[pkg]; !ok {
			d.order = append(d.order, pkg)
		}
		d.ended[pkg] = ev.Action
		if ev.FailedBuild != "" {
			d.build = true
		}
	case "build-output":
		for line := range strings.Lines(ev.Output) {
			d.buildLine(strings.TrimRight(line, "\r\n"))
		}
	case "build-fail":
		d.build = true
	case "output":
		if ev.Package == "" && ev.ImportPath == "" && buildErrRE.MatchString(strings.TrimSpace(ev.Output)) && d.dump == nil {
			d.buildLine(strings.TrimRight(ev.Output, "\r\n"))
			break
		}
		d.output(ev)
	}
	return d.all[start:len(d.all):len(d.all)]
}

// output splits an output event into lines, joining a line test2json cut
// into several events.
func (d *Diagnoser) output(ev testjson.Event) {
	key := ev.Package + "\x00" + ev.Test
	for chunk := range strings.Lines(ev.Output) {
		if !strings.HasSuffix(chunk, "\n") {
			p := d.partial[key]
			if len(p) < maxPartial {
				p += chunk[:min(len(chunk), maxPartial-len(p))]
			}
			d.partial[key] = p
			continue
		}
		if p, ok := d.partial[key]; ok {
			delete(d.partial, key)
			chunk = p + chunk
		}
		d.line(ev.Package, ev.Test, strings.TrimRight(chunk, "\r\n"))
	}
}

// endTest records a test's outcome; a failed test's logged lines become
// assertion findings.
func (d *Diagnoser) endTest(ev testjson.Event) {
	i := d.test(ev.Package, ev.Test)
	d.tests[i].Outcome = ev.Action
	d.tests[i].Elapsed = time.Duration(ev.Elapsed * float64(time.Second))
	if d.testify != nil && d.testify.test == ev.Test {
		d.closeTestify()
	}
	key := ev.Package + "\x00" + ev.Test
	if ev.Action == "fail" {
		for _, f := range d.logs[key] {
			if !d.logged(f.Location) {
				d.add(f)
			}
		}
	}
	delete(d.logs, key)
}

// Result flushes what is pending and returns the diagnosis of the run so far.
// Call it after the stream ends; its Findings hold every finding, including
// those Feed already returned.
func (d *Diagnoser) Result() Result {
	d.flush()
	// A test that never ended failed: its logged lines count.
	for _, t := range d.tests {
		if t.Outcome == "" {
			for _, f := range d.logs[t.Package+"\x00"+t.Name] {
				if !d.logged(f.Location) {
					d.add(f)
				}
			}
		}
	}
	tests := make([]TestResult, len(d.tests))
	copy(tests, d.tests)
	for i := range tests {
		if tests[i].Outcome == "" {
			tests[i].Outcome = "incomplete"
		}
	}
	complete := len(d.ended) > 0
	for p := range d.started {
		if _, ok := d.ended[p]; !ok {
			complete = false
		}
	}
	passed := complete
	for _, a := range d.ended {
		if a == "fail" {
			passed = false
		}
	}
	return Result{
		Findings: append([]Finding(nil), d.all...), Tests: tests,
		Passed: passed && !d.build, BuildFailed: d.build, Complete: complete,
	}
}

// Stream diagnoses a whole `go test -json` stream.
func Stream(r io.Reader, opts Options) (Result, error) {
	d := New(opts)
	_, err := d.Read(context.Background(), r, nil)
	return d.Result(), err
}

func (d *Diagnoser) test(pkg, name string) int {
	key := pkg + "\x00" + name
	if i, ok := d.index[key]; ok {
		return i
	}
	d.index[key] = len(d.tests)
	d.tests = append(d.tests, TestResult{Name: name, Package: pkg})
	return len(d.tests) - 1
}

// add records a finding unless an identical one was already recorded.
func (d *Diagnoser) add(f Finding) {
	if f.Kind == KindAssertion && len(f.Causes) == 0 {
		withCauses(&f, d.assertionCauses(f))
	}
	f.Message = clip(f.Message, maxMessage)
	for i, l := range f.Details {
		f.Details[i] = clip(l, maxMessage)
	}
	key := string(f.Kind) + "|" + f.Test + "|" + f.Message + "|" + f.File + ":" + strconv.Itoa(f.Line) + "|" + strings.Join(f.Details, "|")
	if d.seen[key] {
		return
	}
	d.seen[key] = true
	d.all = append(d.all, f)
}

// flush ends every open block.
func (d *Diagnoser) flush() {
	for key, p := range d.partial {
		delete(d.partial, key)
		pkg, test, _ := strings.Cut(key, "\x00")
		d.line(pkg, test, p)
	}
	d.closeRace()
	d.closeLeak()
	d.closeTestify()
	d.closeDump()
}

var (
	// testLineRE matches t.Log/t.Error output: "    prices_test.go:81: message".
	testLineRE = regexp.MustCompile(`^\s+([\w.-]+\.go):(\d+): ?(.*)$`)
	// buildErrRE matches a compiler error: "katas/x/a.go:12:3: message".
	buildErrRE = regexp.MustCompile(`^(\S+\.go):(\d+):(\d+): (.+)$`)
	// raceBannerRE matches the rule that opens and closes a race report.
	raceBannerRE = regexp.MustCompile(`^={18}$`)
)

// interleaved reports lines that other goroutines print into the middle of
// a race report (the report goes to stderr, test logs to stdout): test
// events, t.Log/t.Error headers and the tab-indented lines of a testify
// block. A race report indents with spaces only.
func interleaved(text string) bool {
	return strings.HasPrefix(text, "=== ") || strings.HasPrefix(text, "--- ") ||
		strings.HasPrefix(text, "    ") && testLineRE.MatchString(text) && !strings.Contains(text, " +0x") ||
		strings.HasPrefix(strings.TrimLeft(text, " "), "\t")
}

// line handles one output line of test (maybe "") in package pkg.
func (d *Diagnoser) line(pkg, test, text string) {
	trimmed := strings.TrimSpace(text)
	switch {
	case d.race != nil && raceBannerRE.MatchString(trimmed):
		d.closeRace()
		return
	case d.race != nil && !interleaved(text):
		d.race.lines = append(d.race.lines, text)
		return
	case d.race == nil && raceBannerRE.MatchString(trimmed):
		d.raceBanner = true
		return
	case d.raceBanner && trimmed == "WARNING: DATA RACE":
		d.raceBanner = false
		d.race = &block{test: test}
		return
	}
	if !interleaved(text) {
		// Between the banner and its WARNING line, another goroutine's
		// output may come in; anything else means it was no race report.
		d.raceBanner = false
	}

	if d.dump != nil {
		d.dump.lines = append(d.dump.lines, text)
		return
	}
	if d.leak != nil {
		if !d.leak.bare && (indent(text) > d.leak.indent || strings.HasPrefix(strings.TrimLeft(text, " "), "\t")) ||
			d.leak.bare && !endsBareLeak(text) {
			d.leak.lines = append(d.leak.lines, text)
			return
		}
		d.closeLeak()
	}
	if d.testify != nil {
		if strings.HasPrefix(strings.TrimLeft(text, " "), "\t") && !strings.Contains(text, "Error Trace:") {
			d.testify.lines = append(d.testify.lines, text)
			return
		}
		d.closeTestify()
	}

	m := testLineRE.FindStringSubmatch(text)
	switch {
	case strings.Contains(text, "found unexpected goroutines"):
		d.leak = &block{test: test, where: d.testLoc(pkg, m), bare: m == nil && indent(text) == 0, indent: indent(text)}
	case strings.Contains(text, "Error Trace:"):
		d.testify = &block{test: test, pkg: pkg, lines: []string{text}}
	case m != nil && strings.HasPrefix(m[3], DeadlockMarker):
		d.add(Finding{Kind: KindDeadlock, Test: test, Location: d.testLoc(pkg, m),
			Message: DeadlockMarker + " " + strings.TrimSpace(strings.TrimPrefix(m[3], DeadlockMarker)),
			Details: []string{"a call that should have returned is blocked for good; the leak finding of this test shows where it is stuck"}})
	case m != nil && strings.TrimSpace(m[3]) == "":
		// testify prints "file_test.go:NN: " alone before its block.
	case m != nil && strings.HasSuffix(m[1], "_test.go") && test != "":
		if strings.HasPrefix(m[3], "race detected during execution of test") {
			break
		}
		key := pkg + "\x00" + test
		d.logs[key] = append(d.logs[key], Finding{Kind: KindAssertion, Test: test, Message: m[3], Location: d.testLoc(pkg, m)})
	case strings.HasPrefix(trimmed, "panic: ") || strings.HasPrefix(trimmed, "fatal error: "):
		d.dump = &block{test: test, lines: []string{trimmed}}
	}
}

// testLoc is the location of a "file_test.go:NN:" prefix, in the kata folder.
func (d *Diagnoser) testLoc(pkg string, m []string) Location {
	if m == nil {
		return Location{}
	}
	n, _ := strconv.Atoi(m[2])
	file := m[1]
	pkg = strings.TrimSuffix(pkg, "_test")
	switch {
	case d.loc.kataDir != "":
		file = path.Join(d.loc.kataDir, file)
	case d.loc.moduleOf(pkg) != "":
		file = path.Join(strings.TrimPrefix(strings.TrimPrefix(pkg, d.loc.moduleOf(pkg)), "/"), file)
	}
	return Location{File: file, Line: n}
}

// buildLine turns one line of compiler output into a build finding.
func (d *Diagnoser) buildLine(text string) {
	m := buildErrRE.FindStringSubmatch(strings.TrimSpace(text))
	if m == nil {
		return
	}
	line, _ := strconv.Atoi(m[2])
	col, _ := strconv.Atoi(m[3])
	file := strings.TrimPrefix(m[1], "./")
	if d.loc.kataDir != "" && !strings.Contains(file, "/") {
		file = path.Join(d.loc.kataDir, file)
	}
	d.add(Finding{Kind: KindBuild, Message: m[4], Location: Location{File: d.loc.rel(file), Line: line, Col: col}})
}
