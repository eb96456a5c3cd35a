package report

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gokatas/concurrency/internal/diagnose"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

var sample = diagnose.Result{
	Findings: []diagnose.Finding{
		{Kind: diagnose.KindRace, Test: "TestCompare", Message: "data race: write conflicts with read",
			Location: diagnose.Location{File: "katas/01-wg-ordering/prices.go", Line: 42, Func: "prices.Compare"},
			Details:  []string{"write by goroutine 8 at katas/01-wg-ordering/prices.go:42", "previous read by goroutine 7"}},
		{Kind: diagnose.KindAssertion, Message: "Not equal:\nmultiline", Location: diagnose.Location{File: "katas/01-wg-ordering/prices_test.go", Line: 9}},
		{Kind: diagnose.KindBuild, Message: "undefined: y", Location: diagnose.Location{File: "katas/01-wg-ordering/prices.go", Line: 7, Col: 9}},
	},
	Tests:    []diagnose.TestResult{{Name: "TestCompare", Outcome: "fail"}, {Name: "TestOther", Outcome: "pass"}, {Name: "TestHung", Outcome: "incomplete"}},
	Complete: true,
}

func TestText(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		name string
		r    diagnose.Result
		opts Options
		want string
	}{
		{
			name: "findings and tests",
			r:    sample,
			opts: Options{Tests: true},
			want: `race       katas/01-wg-ordering/prices.go:42  data race: write conflicts with read
           in TestCompare
           write by goroutine 8 at katas/01-wg-ordering/prices.go:42
           previous read by goroutine 7

assertion  katas/01-wg-ordering/prices_test.go:9  Not equal: ⏎ multiline

build      katas/01-wg-ordering/prices.go:7:9  undefined: y

fail        TestCompare
incomplete  TestHung
FAIL: 3 findings (1 race, 1 assertion, 1 build); 1 test passed, 1 failed, 1 never finished
`,
		},
		{
			name: "a clean run",
			r:    diagnose.Result{Tests: []diagnose.TestResult{{Name: "TestA", Outcome: "pass"}, {Name: "TestB", Outcome: "skip"}}, Passed: true, Complete: true},
			want: "PASS: 1 test passed, 1 skipped\n",
		},
		{
			name: "a cut stream",
			r:    diagnose.Result{Tests: []diagnose.TestResult{{Name: "TestA", Outcome: "incomplete"}}},
			want: "FAIL: 0 tests passed, 1 never finished; the run was cut short (no end event)\n",
		},
		{
			name: "a build failure",
			r:    diagnose.Result{BuildFailed: true, Complete: true},
			want: "FAIL: the package does not compile\n",
		},
		{
			name: "nothing at all",
			r:    diagnose.Result{Complete: true, Passed: true},
			want: "PASS: no tests ran\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Text(tt.r, tt.opts))
		})
	}
}

func TestColor(t *testing.T) {
	defer goleak.VerifyNone(t)
	plain := Text(sample, Options{})
	colored := Text(sample, Options{Color: true})
	assert.NotContains(t, plain, "\x1b[")
	assert.Contains(t, colored, "\x1b[")
	assert.Equal(t, plain, stripANSI(colored), "colour changes nothing but colour")
	assert.Equal(t, Finding(sample.Findings[0], Options{}), stripANSI(Finding(sample.Findings[0], Options{Color: true})))
}

func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b {
			for i < len(s) && s[i] != 'm' {
				i++
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func TestColorEnabled(t *testing.T) {
	defer goleak.VerifyNone(t)
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	tests := []struct {
		name string
		tty  bool
		env  func(string) string
		want bool
	}{
		{"terminal", true, env("TERM", "xterm-256color"), true},
		{"not a terminal", false, env("TERM", "xterm-256color"), false},
		{"NO_COLOR", true, env("NO_COLOR", "1", "TERM", "xterm"), false},
		{"dumb terminal", true, env("TERM", "dumb"), false},
		{"no environment", true, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ColorEnabled(tt.tty, tt.env))
		})
	}
}

func TestJSON(t *testing.T) {
	defer goleak.VerifyNone(t)
	b, err := JSON(sample)
	require.NoError(t, err)
	assert.True(t, json.Valid(b))
	assert.Equal(t, 1, strings.Count(string(b), "\n}\n"), "one document")
	var doc Document
	require.NoError(t, json.Unmarshal(b, &doc))
	assert.False(t, doc.Passed)
	assert.Equal(t, sample.Findings, doc.Findings)
	assert.Equal(t, Summary(sample), doc.Summary)

	empty, err := JSON(diagnose.Result{Passed: true, Complete: true})
	require.NoError(t, err)
	assert.Contains(t, string(empty), `"findings": []`)
	assert.Contains(t, string(empty), `"tests": []`)
	assert.Contains(t, string(empty), `"passed": true`)
	assert.Contains(t, string(empty), `"schema": 1`)
	assert.Contains(t, string(empty), `"build_failed": false`)
	assert.NotContains(t, string(empty), "buildFailed", "snake_case like every other key")
}

func TestWhere(t *testing.T) {
	defer goleak.VerifyNone(t)
	assert.Equal(t, "", Where(diagnose.Location{}))
	assert.Equal(t, "a.go", Where(diagnose.Location{File: "a.go"}))
	assert.Equal(t, "a.go:3", Where(diagnose.Location{File: "a.go", Line: 3}))
	assert.Equal(t, "a.go:3:4", Where(diagnose.Location{File: "a.go", Line: 3, Col: 4}))
}

// TestCause checks a finding's causes are shown after its evidence, and
// that the JSON document carries the first as a cause object.
func TestCause(t *testing.T) {
	defer goleak.VerifyNone(t)
	cs := []diagnose.Cause{
		{File: "katas/04-mutex-defer/ledger.go", Line: 71, Text: "returns with l.mu still locked"},
		{File: "katas/04-mutex-defer/ledger.go", Line: 73, Text: "calls l.journal.Append with l.mu locked"},
	}
	f := diagnose.Finding{Kind: diagnose.KindLeak, Message: "a goroutine was left blocked in Mutex.Lock",
		Location: diagnose.Location{File: "katas/04-mutex-defer/ledger.go", Line: 64}, Details: []string{"goroutine 13"},
		Causes: cs, Cause: &cs[0]}
	text := Finding(f, Options{})
	assert.Equal(t, "leak  katas/04-mutex-defer/ledger.go:64  a goroutine was left blocked in Mutex.Lock\n"+
		"      goroutine 13\n"+
		"      cause: katas/04-mutex-defer/ledger.go:71 — returns with l.mu still locked\n"+
		"      cause: katas/04-mutex-defer/ledger.go:73 — calls l.journal.Append with l.mu locked\n", text)

	b, err := JSON(diagnose.Result{Findings: []diagnose.Finding{f}, Complete: true})
	require.NoError(t, err)
	var doc struct {
		Findings []struct {
			Cause struct {
				File string `json:"file"`
				Line int    `json:"line"`
				Text string `json:"text"`
			} `json:"cause"`
		} `json:"findings"`
	}
	require.NoError(t, json.Unmarshal(b, &doc))
	require.Len(t, doc.Findings, 1)
	assert.Equal(t, "katas/04-mutex-defer/ledger.go", doc.Findings[0].Cause.File)
	assert.Equal(t, 71, doc.Findings[0].Cause.Line)
	assert.Equal(t, "returns with l.mu still locked", doc.Findings[0].Cause.Text)
	assert.Contains(t, Summary(diagnose.Result{Findings: []diagnose.Finding{f}, Complete: true}), "1 finding (1 leak)")
}

// TestStream checks that findings shown as they come and those left for End
// read the same: each finding's block (as Finding renders it: a stream
// cannot align kinds it has not seen), one blank line between, the footer
// last.
func TestStream(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		name  string
		shown int // findings shown before the run ends
	}{
		{name: "none shown while running", shown: 0},
		{name: "some shown while running", shown: 1},
		{name: "all shown while running", shown: len(sample.Findings)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			s := NewStream(&b, Options{})
			for _, f := range sample.Findings[:tt.shown] {
				require.NoError(t, s.Show(f))
			}
			require.NoError(t, s.End(sample))
			var blocks []string
			for _, f := range sample.Findings {
				blocks = append(blocks, Finding(f, Options{}))
			}
			want := strings.Join(blocks, "\n") + "\n" + Footer(sample, Options{Tests: true})
			assert.Equal(t, want, b.String())
		})
	}
}
