package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/check"
)

// TestNarrator: the first-race-build note appears only when the build says
// the race-instrumented standard library is really being built, once; a long
// build says it is still going every ten seconds; a warm build says neither.
func TestNarrator(t *testing.T) {
	defer noLeaks(t)
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
			n := narrator{say: func(format string, args ...any) {
				got = append(got, strings.TrimSuffix(fmt.Sprintf(format, args...), "\n"))
			}}
			for _, u := range tt.updates {
				n.update(k, u)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}
