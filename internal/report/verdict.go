package report

import (
	"fmt"
	"github.com/gokatas/concurrency/internal/diagnose"
	"strings"
	"time"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/check"
)

// Verdict renders an attempt's verdict on kata k and its findings for a
// person, with the commands to run next; next is the number of the kata to
// suggest after a solve ("" when every kata is solved).
func Verdict(k catalog.Kata, v check.Verdict, next string, opts Options) string {
	var b strings.Builder
	num := k.Num()
	switch v.Outcome {
	case check.Solved:
		fmt.Fprintf(&b, "✔ %s solved in %s: the tests pass under the race detector, no leaked goroutines, go vet is clean.\n", k.ID, v.Duration.Round(100*time.Millisecond))
		writeNotes(&b, v.Notes)
		fmt.Fprintf(&b, "  Compare with the official solution: kata solution %s --diff\n", num)
		if next != "" {
			fmt.Fprintf(&b, "  Next: kata check %s   (kata book %s for its chapter)\n", next, next)
		} else {
			b.WriteString("  That was the last pending kata: every kata is solved.\n")
		}
		return b.String()
	case check.Almost:
		fmt.Fprintf(&b, "~ %s almost: the tests pass, but:\n", k.ID)
	default:
		fmt.Fprintf(&b, "✘ %s is not solved yet (%s):\n", k.ID, diagnose.Count(len(v.Findings), "finding"))
	}
	writeNotes(&b, v.Notes)
	b.WriteString("\n" + Findings(v.Findings, opts) + "\n")
	fmt.Fprintf(&b, "Stuck? kata hint %s\n", num)
	return b.String()
}

func writeNotes(b *strings.Builder, notes []string) {
	for _, n := range notes {
		fmt.Fprintf(b, "  note: %s\n", n)
	}
}

// stillBuilding is how often a long build says it is still going.
const stillBuilding = 10 * time.Second

// Narrator turns an attempt's updates (check.Update) into lines for a
// person: what is built, the first race build when it really happens (it
// compiles the race-instrumented standard library: minutes on a small
// laptop), the elapsed time of a long build, then the tests and go vet.
type Narrator struct {
	// Say hears each line, newline included.
	Say       func(line string)
	built     time.Duration
	noted     bool
	lastShown time.Duration
}

// Update narrates one update of an attempt on k.
func (n *Narrator) Update(k catalog.Kata, u check.Update) {
	if u.Build != nil {
		n.built = u.Build.Elapsed
	}
	switch {
	case u.Build != nil && u.Build.Elapsed == 0:
		n.Say(fmt.Sprintf("checking %s: building the tests %s...\n", k.ID, u.Build.What[len(k.Dir)+1:]))
	case u.Build != nil && u.Build.FirstRace && !n.noted:
		n.noted = true
		n.Say(fmt.Sprintf("  first race build on this machine: compiling the race-instrumented standard library (%d packages); it can take minutes on a small laptop, and happens once...\n", u.Build.Packages))
	case u.Build != nil && u.Build.Elapsed-n.lastShown >= stillBuilding:
		n.lastShown = u.Build.Elapsed.Truncate(stillBuilding)
		n.Say(fmt.Sprintf("  still building %s (%s)...\n", k.Dir, u.Build.Elapsed.Round(time.Second)))
	case u.Phase == check.PhaseTesting:
		n.Say(fmt.Sprintf("running the tests (built in %s)...\n", n.built.Round(100*time.Millisecond)))
	case u.Phase == check.PhaseVetting:
		n.Say("running go vet...\n")
	}
}
