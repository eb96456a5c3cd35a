// Package verify is the workbook's self-check behind `kata verify`. It
// judges every kata through the same pipeline as `kata check`
// (internal/check: build once, run in fresh processes, vet): the kata as
// shipped must fail with every detector it declares, the official solution
// and every alternative fix (solutions/NN/testdata/alt) must pass, and every
// wrong fix (solutions/NN/testdata/wrong) must be rejected by one of its
// declared kinds — in every run, at every GOMAXPROCS value asked, with the
// machine's cores saturated when asked (Options.Stress).
package verify

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/check"
)

// Schema is the version of the JSON document a Report encodes to.
const Schema = 1

// testTimeout bounds each run: a kata's run takes under 3 s
// (CONTRIBUTING.md), so this only catches a hang the guards missed.
const testTimeout = 30 * time.Second

// Plan is how often and at which GOMAXPROCS values a variant runs.
type Plan struct {
	// Runs is how many fresh processes per GOMAXPROCS value (at least 1).
	Runs int `json:"runs"`
	// Procs are the GOMAXPROCS values.
	Procs []int `json:"gomaxprocs"`
}

// Options configure a self-check.
type Options struct {
	// Catalog is the loaded workbook; Katas the katas to check (all when empty).
	Catalog *catalog.Catalog
	Katas   []catalog.Kata
	// Kinds are the variant kinds to check (all when empty).
	Kinds []Kind
	// Shipped is the plan for the buggy kata and the official solution;
	// Cases the plan for the catalogue's wrong and alternative fixes.
	Shipped, Cases Plan
	// Parallel is how many variants are built and run at once (1 when < 1).
	Parallel int
	// Go is the go command ("go" when empty).
	Go string
	// StateDir holds snapshots of the originals (see pristine.Originals),
	// and the raw output of runs that missed, under verify/.
	StateDir string
	// Stress, if set, saturates the machine's cores while the runs happen.
	Stress *Stress
	// Progress, if set, receives one line per finished variant, one call at a time.
	Progress func(line string)
}

// Report is a whole self-check.
type Report struct {
	// Schema is the document's version (Schema).
	Schema int `json:"schema"`
	// Rows are the variants, in kata order: buggy, solution, wrong, alt.
	Rows []Row `json:"rows"`
	// Passed and Failed count the rows.
	Passed int `json:"passed"`
	Failed int `json:"failed"`
	// Shipped and Cases are the plans that ran.
	Shipped Plan `json:"shipped"`
	Cases   Plan `json:"cases"`
	// Stress says how the machine was loaded ("" when it was not).
	Stress string `json:"stress,omitempty"`
	// Duration is the wall time of the whole self-check.
	Duration time.Duration `json:"duration_ns"`
	// Notes say where a kata falls short of the kata contract without
	// failing it: a catalogue smaller than docs/authoring.md asks for.
	Notes []string `json:"notes,omitempty"`
}

// The kata contract's catalogue sizes (docs/authoring.md): at least this many
// wrong fixes and alternative fixes per kata.
const (
	MinWrong = 8
	MinAlt   = 3
)

// Run runs the self-check. An error means it could not run at all; a kata
// that misbehaves is a failed Row.
func Run(ctx context.Context, o Options) (Report, error) {
	start := time.Now()
	o = withDefaults(o)
	variants, err := listVariants(o)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Schema: Schema, Shipped: o.Shipped, Cases: o.Cases, Notes: catalogueNotes(o)}
	if o.Stress != nil {
		stop, err := o.Stress.start(ctx)
		if err != nil {
			return Report{}, err
		}
		defer stop()
		rep.Stress = o.Stress.String()
	}
	tmp, err := os.MkdirTemp("", "kata-verify-")
	if err != nil {
		return Report{}, fmt.Errorf("verify: %w", err)
	}
	defer os.RemoveAll(tmp)
	s := &session{o: o, tmp: tmp, r: &check.Runner{Root: o.Catalog.Root, Go: o.Go, Race: true, Timeout: testTimeout}}
	rep.Rows = s.runAll(ctx, variants)
	if err := ctx.Err(); err != nil {
		return Report{}, fmt.Errorf("verify: %w", err)
	}
	for _, row := range rep.Rows {
		if row.OK {
			rep.Passed++
		} else {
			rep.Failed++
		}
	}
	rep.Duration = time.Since(start)
	return rep, nil
}

// catalogueNotes names each kata whose catalogue is smaller than the
// contract asks, when the self-check covers both kinds of case.
func catalogueNotes(o Options) []string {
	if !slices.Contains(o.Kinds, Wrong) || !slices.Contains(o.Kinds, Alt) {
		return nil
	}
	var notes []string
	for _, k := range o.Katas {
		wrong, _ := o.Catalog.Cases(k, catalog.Wrong)
		alt, _ := o.Catalog.Cases(k, catalog.Alt)
		if len(wrong) < MinWrong || len(alt) < MinAlt {
			notes = append(notes, fmt.Sprintf("%s's catalogue has %d wrong and %d alternative fixes; a kata needs at least %d and %d (docs/authoring.md)",
				k.ID, len(wrong), len(alt), MinWrong, MinAlt))
		}
	}
	return notes
}

// withDefaults fills in what o leaves out.
func withDefaults(o Options) Options {
	def := func(p Plan, procs ...int) Plan {
		p.Runs = max(p.Runs, 1)
		if len(p.Procs) == 0 {
			p.Procs = procs
		}
		return p
	}
	o.Shipped = def(o.Shipped, 1, 2, 4)
	o.Cases = def(o.Cases, 2)
	o.Parallel = max(o.Parallel, 1)
	o.Go = cmp.Or(o.Go, "go")
	if len(o.Katas) == 0 {
		o.Katas = o.Catalog.Katas
	}
	if len(o.Kinds) == 0 {
		o.Kinds = []Kind{Buggy, Solution, Wrong, Alt}
	}
	return o
}

// session is what every variant check of one self-check shares.
type session struct {
	o   Options
	r   *check.Runner
	tmp string // originals taken from git or a snapshot are written here
}

// runAll checks the variants on o.Parallel workers, the slow ones (buggy:
// every failing leak check and guard costs about a second) first so the
// workers finish close together; rows come back in variant order.
func (s *session) runAll(ctx context.Context, variants []variant) []Row {
	o := s.o
	order := make([]int, len(variants))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(slowFirst(variants[a].kind), slowFirst(variants[b].kind)) })
	rows := make([]Row, len(variants))
	queue := make(chan int)
	var mu sync.Mutex // serialises Progress
	var wg sync.WaitGroup
	for range min(o.Parallel, len(variants)) {
		wg.Go(func() {
			for i := range queue {
				rows[i] = s.check(ctx, variants[i])
				if o.Progress != nil {
					mu.Lock()
					o.Progress(progressLine(rows[i]))
					mu.Unlock()
				}
			}
		})
	}
feed:
	for _, i := range order {
		select {
		case queue <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(queue)
	wg.Wait()
	return rows
}

func slowFirst(k Kind) int { return map[Kind]int{Buggy: 0, Wrong: 1, Solution: 2, Alt: 3}[k] }

func progressLine(r Row) string {
	return fmt.Sprintf("%s %s: %s (%d/%d runs, %s)", r.Kata, r.Variant, r.Verdict(), r.RunsOK, r.Runs, r.Duration.Round(100*time.Millisecond))
}

// keepOutput saves the raw output of a run that missed its expectation
// under <state>/verify/, returning its path ("" when it could not).
func keepOutput(stateDir, name, output string) string {
	if stateDir == "" {
		return ""
	}
	dir := stateDir + string(os.PathSeparator) + "verify"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return ""
	}
	p := dir + string(os.PathSeparator) + name + ".jsonl"
	if os.WriteFile(p, []byte(output), 0o644) != nil {
		return ""
	}
	return p
}
