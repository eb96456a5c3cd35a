package verify

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gokatas/concurrency/internal/diagnose"
)

// WriteTable prints one line per variant (runs that met the expectation
// of the runs made, per GOMAXPROCS value; the flips; the kinds of finding
// seen), the problems, the time, and as the last line "N passed, N failed".
func (rep Report) WriteTable(w io.Writer) {
	procs := map[int]bool{}
	for _, r := range rep.Rows {
		for _, c := range r.Cells {
			procs[c.Procs] = true
		}
	}
	cols := slices.Sorted(maps.Keys(procs))
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprint(tw, "KATA\tVARIANT\tEXPECTED")
	for _, p := range cols {
		fmt.Fprintf(tw, "\tP=%d", p)
	}
	fmt.Fprintln(tw, "\tFLIPS\tKINDS SEEN\tCAUSES\tVERDICT\tTIME")
	for _, r := range rep.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%s", r.Kata, r.Variant, r.Expected)
		flips := 0
		for _, p := range cols {
			cell := "-"
			if i := slices.IndexFunc(r.Cells, func(c Cell) bool { return c.Procs == p }); i >= 0 {
				cell = fmt.Sprintf("%d/%d", r.Cells[i].Runs-r.Cells[i].Flips, r.Cells[i].Runs)
				flips += r.Cells[i].Flips
			}
			fmt.Fprintf(tw, "\t%s", cell)
		}
		fmt.Fprintf(tw, "\t%d\t%s\t%s\t%s\t%s\n", flips, kindsSeen(r), causesNamed(r), r.Verdict(), r.Duration.Round(100*time.Millisecond))
	}
	tw.Flush()
	fmt.Fprintln(w, "P=N: runs that met the expectation / runs made, at GOMAXPROCS=N; FLIPS: runs that missed it; kind×N: seen in N runs only; CAUSES: declared cause lines named by a finding in some run / declared")
	for _, r := range rep.Rows {
		for _, n := range r.Notes {
			fmt.Fprintf(w, "note: %s %s: %s\n", r.Kata, r.Variant, n)
		}
		for _, p := range r.Problems {
			fmt.Fprintf(w, "%s %s: %s\n", r.Kata, r.Variant, strings.ReplaceAll(p, "\n", "\n    "))
		}
	}
	for _, n := range rep.Notes {
		fmt.Fprintln(w, "note:", n)
	}
	stress := ""
	if rep.Stress != "" {
		stress = "; stress: " + rep.Stress
	}
	fmt.Fprintf(w, "verify took %s (buggy and solution: %s at GOMAXPROCS %v; cases: %d at %v%s)\n",
		rep.Duration.Round(100*time.Millisecond), diagnose.Count(rep.Shipped.Runs, "run"), rep.Shipped.Procs, rep.Cases.Runs, rep.Cases.Procs, stress)
	fmt.Fprintf(w, "%d passed, %d failed\n", rep.Passed, rep.Failed)
}

// kindsSeen lists the kinds of finding a variant's runs showed: a bare kind
// in every run, "kind×N" in N runs only.
func kindsSeen(r Row) string {
	counts := map[diagnose.Kind]int{}
	for _, c := range r.Cells {
		for k, n := range c.Kinds {
			counts[k] += n
		}
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		if counts[k] == r.Runs {
			out = append(out, string(k))
		} else {
			out = append(out, fmt.Sprintf("%s×%d", k, counts[k]))
		}
	}
	if len(out) == 0 {
		return "-"
	}
	return strings.Join(out, " ")
}
