// Package diagnose turns the events of a `go test -json` run (with -race and
// goleak) into findings a learner can act on, each at the learner's own
// file and line.
package diagnose

import "strconv"

// Kind classifies a finding.
type Kind string

// The kinds of finding.
const (
	// KindLeak: goroutines left running (goleak, synctest leftovers).
	KindLeak Kind = "leak"
	// KindRace: the race detector's WARNING: DATA RACE.
	KindRace Kind = "race"
	// KindDeadlock: a deadlock guard fired, or the runtime/synctest found every goroutine blocked.
	KindDeadlock Kind = "deadlock"
	// KindTimeout: the test binary hit its -timeout (an infinite loop or a block the guards missed).
	KindTimeout Kind = "timeout"
	// KindPanic: a panic (or os.Exit) in the code under test.
	KindPanic Kind = "panic"
	// KindBuild: a compile error.
	KindBuild Kind = "build"
	// KindVet: a go vet diagnostic.
	KindVet Kind = "vet"
	// KindAssertion: a failed functional assertion (testify's expected/actual, t.Error).
	KindAssertion Kind = "assertion"
)

// Location is a place in a source file. File is relative to the repository
// root with forward slashes when the file is inside it, absolute otherwise.
type Location struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"col,omitempty"`
	// Func is the function at that place, e.g. "pricing.(*Client).Fetch".
	Func string `json:"func,omitempty"`
}

// String writes a location as "file:line" (or "file:line:col"); "" when it
// has no file.
func (l Location) String() string {
	if l.File == "" {
		return ""
	}
	s := l.File
	if l.Line > 0 {
		s += ":" + strconv.Itoa(l.Line)
	}
	if l.Col > 0 {
		s += ":" + strconv.Itoa(l.Col)
	}
	return s
}

// Finding is one problem found in a run.
type Finding struct {
	Kind Kind `json:"kind"`
	// Test is the test that reported it, when one did.
	Test string `json:"test,omitempty"`
	// Message is one plain-words sentence.
	Message string `json:"message"`
	// Location is the learner's own frame (first frame in a non-test file of
	// the kata), or the most useful frame there is.
	Location
	// Details are further lines: the other access of a race, where a goroutine
	// was started, testify's expected/actual.
	Details []string `json:"details,omitempty"`
	// Other is the other access of a race, when it has a place.
	Other *Location `json:"other,omitempty"`
	// Cause is the first of Causes, for scripts that want one.
	Cause *Cause `json:"cause,omitempty"`
	// Causes are the lines of the learner's code that explain the finding,
	// when reading the code finds them; none rather than a guess.
	Causes []Cause `json:"causes,omitempty"`
}
