package verify

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/catalog"
)

func scan(lines ...string) *outputScan {
	var s outputScan
	for _, l := range lines {
		s.line(l)
	}
	return &s
}

func TestScan(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		name     string
		lines    []string
		passed   bool
		fired    []Detector
		timedOut bool
	}{
		{
			name: "buggy run",
			lines: []string{
				`{"Action":"run","Test":"TestA"}`,
				`{"Action":"output","Test":"TestA","Output":"WARNING: DATA RACE\n"}`,
				`{"Action":"output","Test":"TestA","Output":"        \tError Trace:\t/x/a_test.go:10\n"}`,
				`{"Action":"output","Test":"TestA","Output":"    a_test.go:12: deadlock guard: Compare did not return within 1s\n"}`,
				`{"Action":"output","Test":"TestA","Output":"    a_test.go:30: found unexpected goroutines:\n"}`,
				`{"Action":"fail","Test":"TestA"}`,
				`{"Action":"fail"}`,
			},
			fired: []Detector{catalog.Race, catalog.Leak, catalog.Deadlock, catalog.Assertion},
		},
		{
			name:   "passing run",
			lines:  []string{`{"Action":"run","Test":"TestA"}`, `{"Action":"pass","Test":"TestA"}`, `{"Action":"pass"}`},
			passed: true,
		},
		{
			name: "synctest panics and a timeout, in plain lines too",
			lines: []string{
				"panic: deadlock: main bubble goroutine has exited but blocked goroutines remain",
				`{"Action":"output","Output":"panic: test timed out after 30s\n"}`,
				`{"Action":"fail"}`,
			},
			fired:    []Detector{catalog.Leak},
			timedOut: true,
		},
		{
			name:  "a test-level pass does not pass the package",
			lines: []string{`{"Action":"pass","Test":"TestA"}`, "not json"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := scan(tt.lines...)
			assert.Equal(t, tt.passed, s.passed)
			assert.Equal(t, tt.fired, s.fired())
			assert.Equal(t, tt.timedOut, s.timedOut)
		})
	}
}

func TestJudge(t *testing.T) {
	defer goleak.VerifyNone(t)
	k := catalog.Kata{Detectors: []catalog.Detector{catalog.Race, catalog.Leak}}
	tests := []struct {
		name    string
		variant Variant
		run     Run
		want    string // substring of the problem; "" = ok
	}{
		{"buggy, all fired", Buggy, Run{Fired: []Detector{catalog.Race, catalog.Leak, catalog.Assertion}}, ""},
		{"buggy, race missing", Buggy, Run{Fired: []Detector{catalog.Leak}}, "did not fire: race"},
		{"buggy passed", Buggy, Run{Passed: true}, "the buggy kata passed"},
		{"solved passes", Solved, Run{Passed: true}, ""},
		{"solved fails", Solved, Run{Fired: []Detector{catalog.Race}}, "the solution failed (race)"},
		{"solved times out", Solved, Run{TimedOut: true}, "timed out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := judge(k, tt.variant, tt.run)
			if tt.want == "" {
				assert.Empty(t, got)
			} else {
				assert.True(t, strings.Contains(got, tt.want), "%q does not contain %q", got, tt.want)
			}
		})
	}
}
