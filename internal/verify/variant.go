package verify

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/check"
	"github.com/gokatas/concurrency/internal/diagnose"
	"github.com/gokatas/concurrency/internal/workbook"
)

// Kind is what a variant of a kata is, and so what it must do.
type Kind string

// The kinds of variant.
const (
	// Buggy is the kata as shipped: every run fails, every declared detector firing.
	Buggy Kind = "buggy"
	// Solution is the official solution: every run passes, go vet clean.
	Solution Kind = "solution"
	// Wrong is a catalogue wrong fix: every run rejected by a kind it declares.
	Wrong Kind = "wrong"
	// Alt is a catalogue alternative fix: every run passes, go vet clean.
	Alt Kind = "alt"
)

// variant is one version of a kata to judge.
type variant struct {
	kata catalog.Kata
	kind Kind
	cs   *catalog.Case // for Wrong and Alt
	// bad is why the kata's catalogue of this kind could not be read: the
	// variant then stands for the whole catalogue, as a failed row.
	bad error
}

func (v variant) name() string {
	switch {
	case v.cs != nil:
		return string(v.kind) + "/" + v.cs.Name
	case v.bad != nil:
		return string(v.kind) + "/*"
	}
	return string(v.kind)
}

func (v variant) mustPass() bool { return v.kind == Solution || v.kind == Alt }

// listVariants lists, per kata in order, the variants of the kinds asked.
func listVariants(o Options) ([]variant, error) {
	var out []variant
	for _, k := range o.Katas {
		for _, kind := range []Kind{Buggy, Solution, Wrong, Alt} {
			if !slices.Contains(o.Kinds, kind) {
				continue
			}
			if kind == Buggy || kind == Solution {
				out = append(out, variant{kata: k, kind: kind})
				continue
			}
			cases, err := o.Catalog.Cases(k, catalog.CaseKind(kind))
			if err != nil {
				out = append(out, variant{kata: k, kind: kind, bad: err})
				continue
			}
			for i := range cases {
				out = append(out, variant{kata: k, kind: kind, cs: &cases[i]})
			}
		}
	}
	return out, nil
}

// overlay is what replaces the kata's files for v: the originals for the
// buggy kata, the solution, or the case's files, a case's missing files
// taken as shipped (wrong fixes) or from the solution (alternatives).
func (s *session) overlay(ctx context.Context, v variant) (map[string]string, []string, error) {
	c, k := s.o.Catalog, v.kata
	out := map[string]string{}
	var notes []string
	if v.kind == Solution || v.kind == Alt {
		if !c.HasSolutions(k) {
			return nil, nil, fmt.Errorf("no solution files in %s", k.SolutionDir)
		}
		for _, f := range k.Files {
			out[c.Path(k.Dir, f)] = c.Path(k.SolutionDir, f)
		}
	} else {
		shipped, n, err := workbook.ShippedOverlay(ctx, c, k, s.o.StateDir, filepath.Join(s.tmp, "originals"))
		if err != nil {
			return nil, nil, err
		}
		out, notes = shipped, n
	}
	if v.cs != nil {
		for _, f := range v.cs.Files {
			out[c.Path(k.Dir, f)] = c.Path(v.cs.Dir, f)
		}
	}
	return out, notes, nil
}

// check builds v once, then runs the binary for every repetition and
// GOMAXPROCS value of its plan, each in a fresh process, with go vet
// alongside for the variants that must pass.
func (s *session) check(ctx context.Context, v variant) (row Row) {
	o, r := s.o, s.r
	start := time.Now()
	row = newRow(v)
	defer func() { row.Duration = time.Since(start) }()
	if v.bad != nil {
		return row.fail("the catalogue cannot be read: " + v.bad.Error())
	}
	ov, notes, err := s.overlay(ctx, v)
	row.Notes = notes
	if err != nil {
		return row.fail(err.Error())
	}
	b, err := r.Build(ctx, v.kata, ov, nil)
	if err != nil {
		return row.fail(err.Error())
	}
	defer b.Close()
	if b.Failed {
		return row.buildFailed(v, summaries(r.BuildVerdict(b).Findings))
	}
	var vet *check.Vet
	if v.mustPass() {
		vet = r.StartVet(ctx, b)
		defer vet.Stop()
	}
	plan := o.Shipped
	if v.cs != nil {
		plan = o.Cases
	}
	causes := newCauseCheck(v)
	env := check.Env{}
	if o.Stress != nil {
		env.GOGC = o.Stress.gogc()
	}
	for _, procs := range plan.Procs {
		for n := 1; n <= plan.Runs; n++ {
			env.Procs = procs
			verdict, err := r.Test(ctx, b, env, nil)
			if err != nil {
				return row.fail(err.Error())
			}
			t := judge(v, verdict)
			t.Procs, t.N = procs, n
			causes.see(verdict.Findings)
			if t.Problem != "" {
				t.Output = keepOutput(o.StateDir, fmt.Sprintf("%s-%s-gomaxprocs%d-run%d", v.kata.ID, strings.ReplaceAll(v.name(), "/", "-"), procs, n), verdict.Output)
			}
			row.add(t)
		}
	}
	if vet != nil {
		row.vet(vet.Wait())
	}
	row.causes(causes)
	return row.finish()
}

// Trial is one run of a variant's binary.
type Trial struct {
	// Procs is the run's GOMAXPROCS; N numbers the runs at one value from 1.
	Procs int `json:"gomaxprocs"`
	N     int `json:"run"`
	// Kinds are the kinds of finding the diagnosis made, in display order.
	Kinds []diagnose.Kind `json:"kinds,omitempty"`
	// Problem says how the run missed its expectation ("" when it met it).
	Problem string `json:"problem,omitempty"`
	// Weak: a wrong fix rejected only by vet, a timeout or a build failure.
	Weak bool `json:"weak,omitempty"`
	// Output is where the raw output of a run that missed was kept.
	Output string `json:"output,omitempty"`
}
