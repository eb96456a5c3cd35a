package workbook

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/diagnose"
	"github.com/gokatas/concurrency/internal/progress"
	"github.com/gokatas/concurrency/internal/restore"
)

// Reset is what resetting one kata did.
type Reset struct {
	Kata catalog.Kata
	// Restored counts the files put back (0: already as shipped).
	Restored int
	// Backup is the folder holding the learner's versions of those files;
	// "" when there was nothing to back up (the files had been deleted).
	Backup string
}

// String says what the reset did, in one sentence for the learner.
func (r Reset) String() string {
	switch {
	case r.Restored == 0:
		return r.Kata.ID + " was already as shipped"
	case r.Backup == "":
		return fmt.Sprintf("%s reset: %s put back; there was nothing of yours to back up", r.Kata.ID, diagnose.Count(r.Restored, "file"))
	}
	return fmt.Sprintf("%s reset: %s put back; your version is in %s", r.Kata.ID, diagnose.Count(r.Restored, "file"), r.Backup)
}

// Reset restores the shipped files of each kata in turn, backing the
// learner's versions up in one new folder under the state folder, and makes
// every kata it reset pending again (its solution stays unlocked when it was
// earned). It stops at the first kata it cannot reset, returning what it did.
func (w *Workbook) Reset(ctx context.Context, katas []catalog.Kata, now time.Time) ([]Reset, error) {
	backup := restore.NewBackupDir(w.StateDir, now)
	var done []Reset
	var resetErr error
	for _, k := range katas {
		restored, err := restore.Kata(ctx, w.Catalog, k, w.StateDir, backup)
		if err != nil {
			resetErr = err
			break
		}
		r := Reset{Kata: k, Restored: len(restored), Backup: filepath.Join(backup, k.ID)}
		if _, err := os.Stat(r.Backup); err != nil {
			r.Backup = "" // every file had been deleted: nothing was backed up
		}
		done = append(done, r)
	}
	if _, err := w.Store.Update(func(s *progress.State) error {
		for _, r := range done {
			s.Kata(r.Kata.ID).Reopen()
		}
		return nil
	}); err != nil {
		return done, errors.Join(resetErr, err)
	}
	return done, resetErr
}
