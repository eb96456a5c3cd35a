// Package pristinetest gives tests a copy of the workbook as shipped,
// whatever a learner has done to the katas in the working tree (edited,
// solved, deleted a file, committed their work): tests that need pristine
// katas run there, and never read or change the learner's files.
package pristinetest

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/pristine"
)

// Workbook copies the given repo-relative paths (files or folders) of the
// workbook that holds the current folder into a new temporary folder, then
// writes the shipped version of every learner file of every kata in the
// copy. It returns the copy's root. The copy is removed when the test ends.
func Workbook(t testing.TB, paths ...string) string {
	t.Helper()
	src, err := catalog.FindRoot(".")
	if err != nil {
		t.Fatalf("pristine workbook: %v", err)
	}
	dst := t.TempDir()
	for _, p := range paths {
		Copy(t, filepath.Join(src, filepath.FromSlash(p)), filepath.Join(dst, filepath.FromSlash(p)))
	}
	if !slices.ContainsFunc(paths, func(p string) bool { return strings.HasPrefix(p, "katas/") }) {
		return dst // no kata copied: nothing to make pristine
	}
	c, err := catalog.Load(src)
	if err != nil {
		t.Fatalf("pristine workbook: %v", err)
	}
	for _, k := range c.Katas {
		if _, err := os.Stat(filepath.Join(dst, filepath.FromSlash(k.Dir))); err != nil {
			continue // kata not copied
		}
		origs, err := pristine.Find(context.Background(), c, k, stateDir(src))
		if err != nil {
			t.Fatalf("pristine workbook: %v", err)
		}
		for _, o := range origs {
			p := filepath.Join(dst, filepath.FromSlash(k.Dir), o.File)
			if err := os.WriteFile(p, o.Content, 0o644); err != nil {
				t.Fatalf("pristine workbook: %v", err)
			}
		}
	}
	return dst
}

// Copy copies a file or a folder tree from src to dst, creating dst's
// parent folders.
func Copy(t testing.TB, src, dst string) {
	t.Helper()
	st, err := os.Stat(src)
	if err != nil {
		t.Fatalf("copy: %v", err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatalf("copy: %v", err)
	}
	if st.IsDir() {
		if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
			t.Fatalf("copy %s: %v", src, err)
		}
		return
	}
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatalf("copy: %v", err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatalf("copy: %v", err)
	}
}

// stateDir is the learner's state folder, where snapshots of the originals
// live: $KATA_STATE_DIR, or .kata at the root.
func stateDir(root string) string {
	if d := os.Getenv("KATA_STATE_DIR"); d != "" {
		return d
	}
	return filepath.Join(root, ".kata")
}
