package workbook

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/aymanbagabas/go-udiff"
	"github.com/aymanbagabas/go-udiff/myers"

	"github.com/gokatas/concurrency/internal/catalog"
)

// SolutionFile is one file of a kata's official solution.
type SolutionFile struct {
	// Name is the file name, e.g. "prices.go"; Path its place from the root.
	Name, Path string
	// Code is the solution's content; Diff a unified diff from the learner's
	// file to it (a sentence when they are identical).
	Code, Diff string
}

// Solution is a kata's official solution, compared with the learner's files.
type Solution struct {
	Files []SolutionFile
	// Explanation is EXPLANATION.md ("" when there is none).
	Explanation string
	// WrongFixes is the kata's catalogue of fixes that look right and are
	// not, as reading (Markdown; "" without a catalogue).
	WrongFixes string
}

// Code is every solution file, each under a comment naming it.
func (s Solution) Code() string {
	var b strings.Builder
	for _, f := range s.Files {
		fmt.Fprintf(&b, "// %s\n%s", f.Path, f.Code)
	}
	return b.String()
}

// Diff is every file's diff.
func (s Solution) Diff() string {
	var b strings.Builder
	for _, f := range s.Files {
		b.WriteString(f.Diff)
	}
	return b.String()
}

// ErrNoSolutions means this copy of the workbook was handed out without solutions/.
var ErrNoSolutions = errors.New("this copy of the workbook has no solutions")

// Solution reads k's official solution and diffs the learner's files
// against it (a deleted learner file diffs as empty).
func (w *Workbook) Solution(k catalog.Kata) (Solution, error) {
	c := w.Catalog
	if !c.HasSolutions(k) {
		return Solution{}, fmt.Errorf("%w (%s is missing)", ErrNoSolutions, k.SolutionDir)
	}
	var s Solution
	for _, f := range k.Files {
		sol, err := os.ReadFile(c.Path(k.SolutionDir, f))
		if err != nil {
			return Solution{}, fmt.Errorf("solution: %w", err)
		}
		mine, err := os.ReadFile(c.Path(k.Dir, f))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return Solution{}, fmt.Errorf("solution: %w", err)
		}
		d, err := minimalDiff(k.Dir+"/"+f+" (yours)", k.SolutionDir+"/"+f+" (solution)", string(mine), string(sol))
		if err != nil {
			return Solution{}, fmt.Errorf("solution: %w", err)
		}
		if d == "" {
			d = fmt.Sprintf("%s/%s is identical to the solution.\n", k.Dir, f)
		}
		s.Files = append(s.Files, SolutionFile{Name: f, Path: k.SolutionDir + "/" + f, Code: string(sol), Diff: d})
	}
	if expl, err := os.ReadFile(c.Path(k.SolutionDir, catalog.ExplanationFile)); err == nil {
		s.Explanation = string(expl)
	}
	wrong, err := w.WrongFixes(k)
	if err != nil {
		return Solution{}, err
	}
	s.WrongFixes = wrong
	return s, nil
}

// minimalDiff is a unified diff by whole lines with the fewest changes
// (Myers), so a line the learner kept never shows as removed and added
// again when a comment was inserted above it.
func minimalDiff(fromName, toName, from, to string) (string, error) {
	d, err := udiff.ToUnified(fromName, toName, from, myers.ComputeEdits(from, to), 3)
	if err != nil {
		return "", fmt.Errorf("diff %s: %w", fromName, err)
	}
	return d, nil
}
