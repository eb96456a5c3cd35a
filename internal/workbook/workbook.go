// Package workbook holds the learner-facing operations shared by the
// subcommands of cmd/kata and the app's engine: opening the workbook,
// which kata is current and next (answered by internal/progress), the list
// of katas with their progress, recording a verdict, reading a hint,
// unlocking or revealing the solution and its diff, the book's pages,
// resetting a kata with a backup, downloading modules and warming the
// build cache.
package workbook

import (
	"time"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/check"
	"github.com/gokatas/concurrency/internal/pristine"
	"github.com/gokatas/concurrency/internal/progress"
)

// Workbook is the loaded catalog and the learner's progress.
type Workbook struct {
	Catalog *catalog.Catalog
	Store   progress.Store
	// StateDir is the learner's state folder (.kata at the root unless moved).
	StateDir string
}

// Open loads the workbook at root, its state in stateDir, and snapshots the
// shipped originals while they are still untouched; warn hears what is
// worth a warning but does not stop the workbook (a failed snapshot, a
// corrupt progress file moved aside, a kata whose metadata is broken: it
// is left out, one warning per kata; a shipped file that an update of the
// workbook changed while the learner was editing it: their file is kept).
func Open(root, stateDir string, warn func(msg string)) (*Workbook, error) {
	c, err := catalog.Load(root)
	if c == nil {
		return nil, err
	}
	for _, p := range c.Problems {
		if warn != nil {
			warn(p.Error() + " (the kata is left out until this is fixed)")
		}
	}
	if warn != nil {
		for _, k := range c.Katas {
			for _, note := range pristine.Updated(c, k, stateDir) {
				warn(note) // an update changed a file the learner is editing
			}
		}
	}
	if err := pristine.Snapshot(c, stateDir); err != nil && warn != nil {
		warn(err.Error())
	}
	return &Workbook{Catalog: c, StateDir: stateDir, Store: progress.Store{Dir: stateDir, Warn: warn}}, nil
}

// IDs lists the kata IDs in order.
func (w *Workbook) IDs() []string {
	out := make([]string, len(w.Catalog.Katas))
	for i, k := range w.Catalog.Katas {
		out[i] = k.ID
	}
	return out
}

// Current is the kata the learner is on (progress.State.CurrentKata).
func (w *Workbook) Current(s *progress.State) catalog.Kata {
	return w.Catalog.Katas[max(0, w.Catalog.Index(s.CurrentKata(w.IDs())))]
}

// Next is the kata to suggest after k: the next pending one ("" when every
// other kata is solved).
func (w *Workbook) Next(s *progress.State, k catalog.Kata) string {
	return s.NextPending(w.IDs(), k.ID)
}

// Record saves an attempt in the progress file. Checking a kata makes it
// the current one; solving it moves on to the next pending kata.
func (w *Workbook) Record(k catalog.Kata, v check.Verdict) (*progress.State, error) {
	return w.Store.Update(func(s *progress.State) error {
		p := s.Kata(k.ID)
		p.Attempts++
		s.Current = k.ID
		if v.Outcome == check.Solved {
			if !p.Solved {
				p.Solved, p.SolvedAt = true, time.Now().UTC()
			}
			if next := w.Next(s, k); next != "" {
				s.Current = next
			}
		}
		return nil
	})
}
