package report

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/check"
	"github.com/gokatas/concurrency/internal/diagnose"
)

// TestNarrator: the first-race-build note appears only when the build says
// the race-instrumented standard library is really being built, once; a long
// build says it is still going every ten seconds; a warm build says neither.
func TestNarrator(t *testing.T) {
	defer goleak.VerifyNone(t)
	k := catalog.Kata{ID: "01-x", Dir: "katas/01-x"}
	build := func(elapsed time.Duration, first bool) check.Update {
		return check.Update{Build: &check.BuildStatus{What: "katas/01-x with the race detector", Elapsed: elapsed, FirstRace: first, Packages: 210}}
	}
	tests := []struct {
		name    string
		updates []check.Update
		want    []string
	}{
		{name: "warm", updates: []check.Update{build(0, false), build(time.Second, false), {Phase: check.PhaseTesting}, {Phase: check.PhaseVetting}},
			want: []string{"checking 01-x: building the tests with the race detector...", "running the tests (built in 1s)...", "running go vet..."}},
		{name: "cold", updates: []check.Update{build(0, false), build(time.Second, true), build(2*time.Second, true), build(10*time.Second, true),
			build(15*time.Second, true), build(20*time.Second, true), {Phase: check.PhaseTesting}},
			want: []string{"checking 01-x: building the tests with the race detector...",
				"  first race build on this machine: compiling the race-instrumented standard library (210 packages); it can take minutes on a small laptop, and happens once...",
				"  still building katas/01-x (10s)...", "  still building katas/01-x (20s)...", "running the tests (built in 20s)..."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			n := Narrator{Say: func(line string) { got = append(got, strings.TrimSuffix(line, "\n")) }}
			for _, u := range tt.updates {
				n.Update(k, u)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestVerdict: a solve names the diff and the next kata (or says every kata
// is solved); otherwise the notes, the findings and the hint command.
func TestVerdict(t *testing.T) {
	defer goleak.VerifyNone(t)
	k := catalog.Kata{ID: "01-x", Number: 1}
	race := diagnose.Finding{Kind: diagnose.KindRace, Message: "data race", Location: diagnose.Location{File: "a.go", Line: 3}}
	tests := []struct {
		name, next string
		v          check.Verdict
		want       string
	}{
		{name: "solved, next", next: "02", v: check.Verdict{Outcome: check.Solved, Duration: 1234 * time.Millisecond},
			want: "✔ 01-x solved in 1.2s: the tests pass under the race detector, no leaked goroutines, go vet is clean.\n" +
				"  Compare with the official solution: kata solution 01 --diff\n" +
				"  Next: kata check 02   (kata book 02 for its chapter)\n"},
		{name: "solved, the last", v: check.Verdict{Outcome: check.Solved, Notes: []string{"n"}},
			want: "✔ 01-x solved in 0s: the tests pass under the race detector, no leaked goroutines, go vet is clean.\n" +
				"  note: n\n  Compare with the official solution: kata solution 01 --diff\n" +
				"  That was the last pending kata: every kata is solved.\n"},
		{name: "failing", v: check.Verdict{Outcome: check.Failing, Findings: []diagnose.Finding{race}, Notes: []string{"n"}},
			want: "✘ 01-x is not solved yet (1 finding):\n  note: n\n\nrace  a.go:3  data race\n\nStuck? kata hint 01\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Verdict(k, tt.v, tt.next, Options{}))
		})
	}
}
