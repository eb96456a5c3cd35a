package verify

import (
	"fmt"
	"path"

	"github.com/gokatas/concurrency/internal/diagnose"
)

// CauseCheck is whether the buggy kata's findings named one of the cause
// lines its kata.json declares, in at least one run.
type CauseCheck struct {
	// File is module-relative (the kata's Dir joined with the declared file).
	File string `json:"file"`
	Line int    `json:"line"`
	Why  string `json:"why"`
	// Runs counts the runs whose findings named it.
	Runs int `json:"runs"`
}

// causeCheck collects, run after run, which declared causes the findings
// name; nil for the variants other than the buggy kata.
type causeCheck []CauseCheck

func newCauseCheck(v variant) causeCheck {
	if v.kind != Buggy {
		return nil
	}
	out := causeCheck{}
	for _, c := range v.kata.Causes {
		out = append(out, CauseCheck{File: path.Join(v.kata.Dir, c.File), Line: c.Line, Why: c.Why})
	}
	return out
}

// see records one run's findings.
func (cc causeCheck) see(fs []diagnose.Finding) {
	for i := range cc {
		if diagnose.NamesCause(fs, cc[i].File, cc[i].Line) {
			cc[i].Runs++
		}
	}
}

// causes records the declared causes on the row, and a problem for each
// one that no run named.
func (r *Row) causes(cc causeCheck) {
	if cc == nil || r.Runs == 0 {
		return
	}
	r.Causes = cc
	for _, c := range cc {
		if c.Runs == 0 {
			r.Problems = append(r.Problems, fmt.Sprintf("declared cause not named by any run: %s:%d (%s)", c.File, c.Line, c.Why))
		}
	}
}

// causesNamed is "named/declared" for the table, "-" when none are declared.
func causesNamed(r Row) string {
	if len(r.Causes) == 0 {
		return "-"
	}
	n := 0
	for _, c := range r.Causes {
		if c.Runs > 0 {
			n++
		}
	}
	return fmt.Sprintf("%d/%d", n, len(r.Causes))
}
