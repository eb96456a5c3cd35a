// Package restore puts a kata's shipped files back in place of the
// learner's, after copying the learner's versions to a backup folder.
// Where the originals come from (the working tree, git HEAD, a snapshot) is
// internal/pristine's job.
package restore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/pristine"
)

// NewBackupDir names a folder for one reset's backups under
// stateDir/backups, by time (20060102-150405, then -2, -3, ... within the
// same second), that no earlier reset used. It does not create it.
func NewBackupDir(stateDir string, now time.Time) string {
	base := filepath.Join(stateDir, "backups", now.Format("20060102-150405"))
	dir := base
	for n := 2; ; n++ {
		if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
			return dir
		}
		dir = fmt.Sprintf("%s-%d", base, n)
	}
}

// Kata restores every learner file of k that differs from its original:
// the learner's version (when the file exists) is copied to
// backupDir/<kata ID>/<file> first, then the original replaces it
// atomically (a temp file renamed over it). It returns the names of the
// files it restored, none when all were already as shipped.
func Kata(ctx context.Context, c *catalog.Catalog, k catalog.Kata, stateDir, backupDir string) ([]string, error) {
	origs, _, err := pristine.Originals(ctx, c, k, stateDir)
	if err != nil {
		return nil, fmt.Errorf("reset %s: %w", k.ID, err)
	}
	var restored []string
	for _, f := range k.Files {
		orig := origs[f]
		if orig == nil {
			continue // the working file is the original
		}
		p := c.Path(k.Dir, f)
		mine, err := os.ReadFile(p)
		switch {
		case err == nil:
			if err := backUp(filepath.Join(backupDir, k.ID, f), mine); err != nil {
				return restored, fmt.Errorf("reset %s: %w", k.ID, err)
			}
		case !errors.Is(err, fs.ErrNotExist):
			return restored, fmt.Errorf("reset %s: %w", k.ID, err)
		}
		if err := replace(p, orig); err != nil {
			return restored, fmt.Errorf("reset %s: %w", k.ID, err)
		}
		restored = append(restored, f)
	}
	return restored, nil
}

// backUp writes data to dst, which must not exist yet.
func backUp(dst string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("back up: %w", err)
	}
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("back up: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("back up %s: %w", dst, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("back up %s: %w", dst, err)
	}
	return nil
}

// replace puts data at p atomically: a temp file in the same folder,
// renamed over p.
func replace(p string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(p), filepath.Base(p)+".kata-reset-*")
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("restore %s: %w", p, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("restore %s: %w", p, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("restore %s: %w", p, err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return fmt.Errorf("restore %s: %w", p, err)
	}
	return nil
}
