package diagnose

import (
	"io"
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
	opts Options
}

// New returns a Diagnoser for one run.
func New(opts Options) *Diagnoser { return &Diagnoser{opts: opts} }

// Feed consumes one event and returns the findings it completed, in order.
// Every finding is returned exactly once, by Feed or by Result.
func (d *Diagnoser) Feed(ev testjson.Event) []Finding {
	return nil // TODO(engine-parse): implement
}

// Result flushes what is pending and returns the diagnosis of the run so far.
// Call it after the stream ends; its Findings hold every finding, including
// those Feed already returned.
func (d *Diagnoser) Result() Result {
	return Result{} // TODO(engine-parse): implement
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

// ParseVet turns `go vet` output into KindVet findings (KindBuild for a
// compile error vet reports).
func ParseVet(output []byte, opts Options) []Finding {
	return nil // TODO(engine-parse): implement
}
