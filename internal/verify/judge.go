package verify

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gokatas/concurrency/internal/check"
	"github.com/gokatas/concurrency/internal/diagnose"
)

// Row is the verdict on one variant of a kata.
type Row struct {
	// Kata is the kata's ID; Variant names the variant ("buggy", "solution",
	// "wrong/CASE", "alt/CASE") and Kind says what it is.
	Kata    string `json:"kata"`
	Variant string `json:"variant"`
	Kind    Kind   `json:"kind"`
	// Expected says in a few words what every run must show.
	Expected string `json:"expected"`
	// OK: every run met the expectation (and go vet is clean where it must be).
	OK bool `json:"ok"`
	// Weak: a wrong fix rejected, in some run, only by vet, a timeout or a build failure.
	Weak bool `json:"weak,omitempty"`
	// RunsOK of Runs met the expectation.
	RunsOK int `json:"runs_ok"`
	Runs   int `json:"runs"`
	// Cells are the runs per GOMAXPROCS value, in the order they ran.
	Cells []Cell `json:"cells"`
	// Duration is the wall time of the variant: build, runs and vet.
	Duration time.Duration `json:"duration_ns"`
	// Problems say what went wrong, naming the run that flipped.
	Problems []string `json:"problems,omitempty"`
	// Notes say how the kata was judged (e.g. originals taken from git HEAD).
	Notes []string `json:"notes,omitempty"`
	// Trials are the runs, in the order they ran.
	Trials []Trial `json:"trials,omitempty"`
	// Causes are the buggy kata's declared cause lines and how many runs
	// named each: every one must be named at least once.
	Causes []CauseCheck `json:"causes,omitempty"`
}

// Cell is the runs of one variant at one GOMAXPROCS value.
type Cell struct {
	Procs int `json:"gomaxprocs"`
	Runs  int `json:"runs"`
	// Flips are the runs that missed the expectation.
	Flips int `json:"flips"`
	// Kinds counts the runs that showed each kind of finding.
	Kinds map[diagnose.Kind]int `json:"kinds,omitempty"`
}

// Verdict is the row's verdict in one word: ok, FLAKY, WEAK or FAILED.
func (r Row) Verdict() string {
	switch {
	case r.OK:
		return "ok"
	case r.Weak:
		return "WEAK"
	case r.RunsOK > 0 && r.RunsOK < r.Runs:
		return "FLAKY"
	default:
		return "FAILED"
	}
}

func newRow(v variant) Row {
	row := Row{Kata: v.kata.ID, Variant: v.name(), Kind: v.kind}
	if v.bad != nil {
		row.Expected = "a readable catalogue"
		return row
	}
	switch v.kind {
	case Buggy:
		row.Expected = "fail: " + join(v.kata.Detectors)
	case Wrong:
		row.Expected = "rejected: " + strings.Join(toStrings(v.cs.RejectedBy), "|")
	default:
		row.Expected = "pass, vet clean"
	}
	return row
}

// fail ends a row that could not be checked.
func (r Row) fail(problem string) Row {
	r.Problems = append(r.Problems, problem)
	return r
}

// buildFailed ends a row whose variant does not compile: a weak case for a
// wrong fix (a compile error is never the lesson), a failure otherwise.
func (r Row) buildFailed(v variant, output string) Row {
	if v.kind == Wrong {
		r.Weak = true
		return r.fail("weak case: rejected only by a build failure:\n" + output)
	}
	return r.fail(fmt.Sprintf("the %s does not build:\n%s", v.name(), output))
}

// add records one run.
func (r *Row) add(t Trial) {
	r.Trials = append(r.Trials, t)
	r.Runs++
	if len(r.Cells) == 0 || r.Cells[len(r.Cells)-1].Procs != t.Procs {
		r.Cells = append(r.Cells, Cell{Procs: t.Procs, Kinds: map[diagnose.Kind]int{}})
	}
	c := &r.Cells[len(r.Cells)-1]
	c.Runs++
	for _, k := range t.Kinds {
		c.Kinds[k]++
	}
	r.Weak = r.Weak || t.Weak
	if t.Problem == "" {
		r.RunsOK++
		return
	}
	c.Flips++
	p := fmt.Sprintf("GOMAXPROCS=%d run %d: %s", t.Procs, t.N, t.Problem)
	if t.Output != "" {
		p += " [output: " + t.Output + "]"
	}
	r.Problems = append(r.Problems, p)
}

// vet records go vet's result on a variant that must pass.
func (r *Row) vet(vr check.VetResult, err error) {
	switch {
	case err != nil:
		r.Problems = append(r.Problems, "go vet: "+err.Error())
	case vr.Note != "":
		r.Problems = append(r.Problems, vr.Note)
	case len(vr.Findings) > 0:
		lines := make([]string, len(vr.Findings))
		for i, f := range vr.Findings {
			lines[i] = summary(f)
		}
		r.Problems = append(r.Problems, "go vet is not clean:\n"+strings.Join(lines, "\n"))
	}
}

// finish settles the row's verdict and keeps its problems short.
func (r Row) finish() Row {
	r.OK = r.Runs > 0 && r.RunsOK == r.Runs && len(r.Problems) == 0
	if len(r.Problems) > 5 {
		r.Problems = append(r.Problems[:5], fmt.Sprintf("... and %d more", len(r.Problems)-5))
	}
	return r
}

// judge says whether one run of v met its expectation.
func judge(v variant, verdict check.Verdict) Trial {
	t := Trial{Kinds: kinds(verdict.Findings)}
	switch v.kind {
	case Solution, Alt:
		if verdict.Outcome != check.Solved {
			t.Problem = fmt.Sprintf("the %s failed: %s", v.name(), summaries(verdict.Findings))
		}
	case Buggy:
		t.Problem = judgeBuggy(v, verdict, t.Kinds)
	case Wrong:
		t.Problem, t.Weak = judgeWrong(v, verdict, t.Kinds)
	}
	return t
}

// judgeBuggy: the shipped kata fails, every declared detector firing.
func judgeBuggy(v variant, verdict check.Verdict, seen []diagnose.Kind) string {
	if verdict.Outcome != check.Failing {
		return "the buggy kata passed"
	}
	if slices.Contains(seen, diagnose.KindTimeout) {
		return "the buggy kata timed out (a hang the deadlock guards missed): " + summaries(verdict.Findings)
	}
	var missing, gap []diagnose.Kind
	marked := map[diagnose.Kind]bool{}
	diagnose.MarkedKinds(verdict.Output, marked)
	for _, d := range v.kata.Detectors {
		if !slices.Contains(seen, d) {
			missing = append(missing, d)
			if marked[d] {
				gap = append(gap, d)
			}
		}
	}
	switch {
	case len(gap) > 0:
		return fmt.Sprintf("declared detector(s) did not fire: %s; the raw output does show %s, so the diagnosis missed it (internal/diagnose)", join(missing), join(gap))
	case len(missing) > 0:
		return "declared detector(s) did not fire: " + join(missing)
	}
	return ""
}

// judgeWrong: a wrong fix is rejected by one of the kinds it declares; a
// rejection only by vet, a timeout or a build failure is weak.
func judgeWrong(v variant, verdict check.Verdict, seen []diagnose.Kind) (problem string, weak bool) {
	if verdict.Outcome != check.Failing {
		return "the wrong fix was accepted (" + string(verdict.Outcome) + ")", false
	}
	if slices.ContainsFunc(seen, func(k diagnose.Kind) bool { return slices.Contains(v.cs.RejectedBy, k) }) {
		return "", false
	}
	weakKinds := []diagnose.Kind{diagnose.KindVet, diagnose.KindTimeout, diagnose.KindBuild}
	if !slices.ContainsFunc(seen, func(k diagnose.Kind) bool { return !slices.Contains(weakKinds, k) }) {
		return "weak case: rejected only by " + join(seen), true
	}
	return fmt.Sprintf("rejected by %s, none of its declared kinds (%s)", join(seen), join(v.cs.RejectedBy)), false
}

// kinds lists the kinds of fs once each, in a fixed order.
func kinds(fs []diagnose.Finding) []diagnose.Kind {
	order := append(diagnose.Detectors(), diagnose.KindPanic, diagnose.KindTimeout, diagnose.KindBuild, diagnose.KindVet)
	var out []diagnose.Kind
	for _, k := range order {
		if slices.ContainsFunc(fs, func(f diagnose.Finding) bool { return f.Kind == k }) {
			out = append(out, k)
		}
	}
	return out
}

// summary is one line on a finding, for a problem report.
func summary(f diagnose.Finding) string {
	s := string(f.Kind) + ": " + f.Message
	if f.File != "" && f.Line > 0 {
		s += fmt.Sprintf(" (%s:%d)", f.File, f.Line)
	}
	if f.Test != "" {
		s += " in " + f.Test
	}
	return s
}

func summaries(fs []diagnose.Finding) string {
	if len(fs) == 0 {
		return "no finding"
	}
	seen := map[diagnose.Kind]bool{}
	var out []string
	for _, f := range fs {
		if !seen[f.Kind] {
			seen[f.Kind] = true
			out = append(out, summary(f))
		}
	}
	return strings.Join(out, "; ")
}

func toStrings[S ~string](ss []S) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

func join[S ~string](ss []S) string {
	if len(ss) == 0 {
		return "no detector"
	}
	return strings.Join(toStrings(ss), " ")
}
