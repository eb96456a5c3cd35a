package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"time"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/progress"
	"github.com/gokatas/concurrency/internal/restore"
)

// cmdReset is `kata reset [KATA|--all] [--yes]`.
func cmdReset(ctx context.Context, e *env, args []string) error {
	set := flag.NewFlagSet("reset", flag.ContinueOnError)
	all := set.Bool("all", false, "reset every kata")
	yes := set.Bool("yes", false, "do not ask for confirmation")
	names, err := parseArgs(set, args)
	if err != nil {
		return err
	}
	w, err := openWorkbook(e)
	if err != nil {
		return err
	}
	var katas []catalog.Kata
	if *all {
		if len(names) > 0 {
			return &exitError{code: exitUsage, msg: "reset: KATA or --all, not both"}
		}
		katas = w.cat.Katas
	} else {
		k, err := w.kata(names)
		if err != nil {
			return err
		}
		katas = []catalog.Kata{k}
	}
	what := katas[0].ID
	if *all {
		what = "every kata"
	}
	ok, err := confirm(e, *yes, fmt.Sprintf("Reset %s to its original files? Your versions are backed up first.", what))
	if err != nil {
		return err
	}
	if !ok {
		return &exitError{code: exitFailing, msg: "nothing reset"}
	}
	backup := restore.NewBackupDir(w.state, time.Now())
	var done []string // reset, so pending again, even when a later kata fails
	var resetErr error
	for _, k := range katas {
		n, err := resetKata(ctx, w, k, backup)
		if err != nil {
			resetErr = err
			break
		}
		done = append(done, k.ID)
		if n == 0 {
			fmt.Fprintf(e.stdout, "%s: already as shipped\n", k.ID)
		} else {
			fmt.Fprintf(e.stdout, "%s: restored %d file(s); your versions are in %s\n", k.ID, n, filepath.Join(backup, k.ID))
		}
	}
	if _, err := w.store.Update(func(s *progress.State) error {
		for _, id := range done {
			p := s.Kata(id)
			p.Solved, p.SolvedAt = false, time.Time{}
		}
		return nil
	}); err != nil {
		return errors.Join(resetErr, err)
	}
	return resetErr
}

// resetKata restores the learner files of k that differ from the originals,
// backing them up under backup first; it returns how many it restored.
func resetKata(ctx context.Context, w *workbook, k catalog.Kata, backup string) (int, error) {
	restored, err := restore.Kata(ctx, w.cat, k, w.state, backup)
	return len(restored), err
}
