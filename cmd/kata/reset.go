package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/pristine"
	"github.com/gokatas/concurrency/internal/progress"
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
	backup := newBackupDir(w.state, time.Now())
	for _, k := range katas {
		n, err := resetKata(ctx, w, k, backup)
		if err != nil {
			return err
		}
		if n == 0 {
			fmt.Fprintf(e.stdout, "%s: already as shipped\n", k.ID)
		} else {
			fmt.Fprintf(e.stdout, "%s: restored %d file(s); your versions are in %s\n", k.ID, n, filepath.Join(backup, k.ID))
		}
	}
	_, err = w.store.Update(func(s *progress.State) error {
		for _, k := range katas {
			p := s.Kata(k.ID)
			p.Solved, p.SolvedAt = false, time.Time{}
		}
		return nil
	})
	return err
}

// newBackupDir names a folder for this reset's backups under
// <state>/backups, by time, that no earlier reset used.
func newBackupDir(state string, now time.Time) string {
	base := filepath.Join(state, "backups", now.Format("20060102-150405"))
	dir := base
	for n := 2; ; n++ {
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			return dir
		}
		dir = fmt.Sprintf("%s-%d", base, n)
	}
}

// resetKata backs up and restores the learner files of k that differ from
// the originals; it returns how many it restored.
func resetKata(ctx context.Context, w *workbook, k catalog.Kata, backup string) (int, error) {
	origs, _, err := pristine.Originals(ctx, w.cat, k, w.state)
	if err != nil {
		return 0, fmt.Errorf("reset %s: %w", k.ID, err)
	}
	n := 0
	for _, f := range k.Files {
		orig := origs[f]
		if orig == nil {
			continue // already the original
		}
		p := w.cat.Path(k.Dir, f)
		if mine, err := os.ReadFile(p); err == nil {
			dst := filepath.Join(backup, k.ID, f)
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return n, fmt.Errorf("back up %s: %w", f, err)
			}
			if err := os.WriteFile(dst, mine, 0o644); err != nil {
				return n, fmt.Errorf("back up %s: %w", f, err)
			}
		}
		tmp := p + ".kata-reset"
		if err := os.WriteFile(tmp, orig, 0o644); err != nil {
			return n, fmt.Errorf("restore %s: %w", f, err)
		}
		if err := os.Rename(tmp, p); err != nil {
			return n, fmt.Errorf("restore %s: %w", f, err)
		}
		n++
	}
	return n, nil
}
