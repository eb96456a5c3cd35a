// Package pristine finds the shipped originals of the files a learner edits
// (by the hashes in kata.json, git HEAD, or a snapshot in the state folder),
// so a kata can be judged as shipped, or reset, while a learner is at work.
package pristine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"

	"github.com/gokatas/concurrency/internal/catalog"
)

// Originals finds the shipped content of each learner file of k, so a kata
// is judged as shipped even while a learner is editing it. For each file the
// map holds nil when the working file is the original (its SHA-256 matches
// kata.json), else the original's bytes: from git HEAD, or from a snapshot
// under stateDir/originals/<kata>/<file> taken while the file still matched.
// Notes say where originals came from. A kata.json hash that git HEAD does
// not match is an error: the metadata is stale.
func Originals(ctx context.Context, c *catalog.Catalog, k catalog.Kata, stateDir string) (map[string][]byte, []string, error) {
	out := map[string][]byte{}
	var notes []string
	for _, f := range k.Files {
		rel := path.Join(k.Dir, f)
		want := k.Originals[f]
		working, err := os.ReadFile(c.Path(rel))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, nil, fmt.Errorf("read %s: %w", rel, err)
		}
		head, gitErr := gitShow(ctx, c.Root, rel)
		if gitErr == nil && catalog.Hash(head) != want {
			return nil, nil, fmt.Errorf("%s/kata.json: originals[%q] does not match %s at git HEAD: update it to %s",
				k.Dir, f, rel, catalog.Hash(head))
		}
		if err == nil && catalog.Hash(working) == want {
			out[f] = nil
			continue
		}
		switch {
		case gitErr == nil:
			out[f] = head
			notes = append(notes, fmt.Sprintf("%s is edited in the working tree: judged the original from git HEAD", rel))
		default:
			snap, err := os.ReadFile(filepath.Join(stateDir, "originals", k.ID, f))
			if err != nil || catalog.Hash(snap) != want {
				return nil, nil, fmt.Errorf("%s differs from the shipped file and no original is available (no git, no snapshot)", rel)
			}
			out[f] = snap
			notes = append(notes, fmt.Sprintf("%s is edited in the working tree: judged the original from the snapshot", rel))
		}
	}
	return out, notes, nil
}

// Snapshot copies each learner file of every kata that still matches its
// shipped hash to stateDir/originals/<kata>/<file>, so the originals stay
// available outside git once a learner starts editing.
func Snapshot(c *catalog.Catalog, stateDir string) error {
	for _, k := range c.Katas {
		for _, f := range k.Files {
			data, err := os.ReadFile(c.Path(k.Dir, f))
			if err != nil || catalog.Hash(data) != k.Originals[f] {
				continue
			}
			dst := filepath.Join(stateDir, "originals", k.ID, f)
			if old, err := os.ReadFile(dst); err == nil && bytes.Equal(old, data) {
				continue
			}
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return fmt.Errorf("snapshot originals: %w", err)
			}
			tmp := dst + ".tmp"
			if err := os.WriteFile(tmp, data, 0o644); err != nil {
				return fmt.Errorf("snapshot originals: %w", err)
			}
			if err := os.Rename(tmp, dst); err != nil {
				return fmt.Errorf("snapshot originals: %w", err)
			}
		}
	}
	return nil
}

// gitShow returns a file's content at HEAD, or an error outside git.
func gitShow(ctx context.Context, root, rel string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", "-C", root, "show", "HEAD:"+rel)
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git show HEAD:%s: %w", rel, err)
	}
	return out, nil
}
