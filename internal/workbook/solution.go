package workbook

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/aymanbagabas/go-udiff"

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

// minimalDiff is a unified diff by whole lines with the fewest changes, so
// a line the learner kept never shows as removed and added again when a
// comment was inserted above it.
func minimalDiff(fromName, toName, from, to string) (string, error) {
	d, err := udiff.ToUnified(fromName, toName, from, lineEdits(from, to), 3)
	if err != nil {
		return "", fmt.Errorf("diff %s: %w", fromName, err)
	}
	return d, nil
}

// lineEdits turns from into to keeping their longest common subsequence of
// lines; each run of changed lines is one edit. Kata files are a few
// hundred lines, so the quadratic table is small.
func lineEdits(from, to string) []udiff.Edit {
	a, b := lines(from), lines(to)
	// common[i][j] is the length of the longest common subsequence of
	// a[i:] and b[j:].
	common := make([][]int, len(a)+1)
	for i := range common {
		common[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				common[i][j] = common[i+1][j+1] + 1
			} else {
				common[i][j] = max(common[i+1][j], common[i][j+1])
			}
		}
	}
	var edits []udiff.Edit
	add := func(e udiff.Edit) {
		if n := len(edits); n > 0 && edits[n-1].End == e.Start {
			edits[n-1].End, edits[n-1].New = e.End, edits[n-1].New+e.New
			return
		}
		edits = append(edits, e)
	}
	off, i, j := 0, 0, 0 // off is where a[i] starts in from
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			off, i, j = off+len(a[i]), i+1, j+1
		case i < len(a) && (j == len(b) || common[i+1][j] >= common[i][j+1]):
			add(udiff.Edit{Start: off, End: off + len(a[i])})
			off, i = off+len(a[i]), i+1
		default:
			add(udiff.Edit{Start: off, End: off, New: b[j]})
			j++
		}
	}
	return edits
}

// lines splits s after each newline; the last line may have none.
func lines(s string) []string {
	out := strings.SplitAfter(s, "\n")
	if out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}
