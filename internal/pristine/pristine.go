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

// Source says where an original came from.
type Source string

// The sources of an original, in the order they are tried.
const (
	// FromWorkingTree: the file in the working tree matches its kata.json hash.
	FromWorkingTree Source = "working tree"
	// FromGitHead: the file at git HEAD (its hash matches kata.json).
	FromGitHead Source = "git HEAD"
	// FromSnapshot: a copy under <state>/originals, taken while the file matched.
	FromSnapshot Source = "snapshot"
)

// Original is the shipped content of one learner file.
type Original struct {
	// File is the file's name in the kata folder.
	File string
	// Content is the shipped content.
	Content []byte
	// Source says where Content came from.
	Source Source
}

// Find returns the shipped content of every learner file of k, in k.Files
// order: the working file when its SHA-256 matches kata.json, else the file
// at git HEAD, else the snapshot under stateDir/originals/<kata>/<file>.
// A kata.json hash that neither the working file nor git HEAD matches is an
// error (the metadata is stale), and so is a file with no original anywhere.
func Find(ctx context.Context, c *catalog.Catalog, k catalog.Kata, stateDir string) ([]Original, error) {
	out := make([]Original, 0, len(k.Files))
	for _, f := range k.Files {
		rel := path.Join(k.Dir, f)
		want := k.Originals[f]
		working, err := os.ReadFile(c.Path(rel))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("read %s: %w", rel, err)
		}
		if err == nil && catalog.Hash(working) == want {
			// Also when git HEAD differs: a kata author who changed the file
			// and its hash verifies the new version before committing it.
			out = append(out, Original{File: f, Content: working, Source: FromWorkingTree})
			continue
		}
		head, gitErr := gitShow(ctx, c.Root, rel)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("originals of %s: %w", k.ID, ctx.Err())
		}
		if gitErr == nil && catalog.Hash(head) != want {
			return nil, fmt.Errorf("%s/kata.json is stale: originals[%q] matches neither %s at git HEAD nor the working tree; update it to %q",
				k.Dir, f, rel, catalog.Hash(head))
		}
		switch {
		case gitErr == nil:
			out = append(out, Original{File: f, Content: head, Source: FromGitHead})
		default:
			snap, snapErr := os.ReadFile(snapshotPath(stateDir, k, f))
			if snapErr == nil && catalog.Hash(snap) == want {
				out = append(out, Original{File: f, Content: snap, Source: FromSnapshot})
				continue
			}
			state := "differs from its hash in kata.json"
			if err != nil {
				state = "is missing"
			}
			hint := ""
			if err == nil {
				hint = fmt.Sprintf(" If you changed the kata, update originals[%q] in %s/kata.json to %q.", f, k.Dir, catalog.Hash(working))
			}
			return nil, fmt.Errorf("%s %s, and no original was found (not in git HEAD, no snapshot in %s): restore it from a fresh copy of the workbook.%s",
				rel, state, filepath.Join(stateDir, "originals"), hint)
		}
	}
	return out, nil
}

// Originals is Find as a map from file name to content, with nil for a file
// whose working copy is the original; notes say which files were taken from
// elsewhere, and from where.
func Originals(ctx context.Context, c *catalog.Catalog, k catalog.Kata, stateDir string) (map[string][]byte, []string, error) {
	origs, err := Find(ctx, c, k, stateDir)
	if err != nil {
		return nil, nil, err
	}
	out := make(map[string][]byte, len(origs))
	var notes []string
	for _, o := range origs {
		if o.Source == FromWorkingTree {
			out[o.File] = nil
			continue
		}
		out[o.File] = o.Content
		notes = append(notes, fmt.Sprintf("%s/%s differs from the shipped file (its hash in kata.json): judged the original from %s; if you are changing the kata, update the hash to verify your version",
			k.Dir, o.File, o.Source))
	}
	return out, notes, nil
}

// Snapshot copies each learner file of every kata that still matches its
// shipped hash to stateDir/originals/<kata>/<file>, so the originals stay
// available outside git once a learner starts editing. Call it on start.
func Snapshot(c *catalog.Catalog, stateDir string) error {
	for _, k := range c.Katas {
		for _, f := range k.Files {
			data, err := os.ReadFile(c.Path(k.Dir, f))
			if err != nil || catalog.Hash(data) != k.Originals[f] {
				continue
			}
			dst := snapshotPath(stateDir, k, f)
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

// snapshotPath is where Snapshot keeps the original of file f of k.
func snapshotPath(stateDir string, k catalog.Kata, f string) string {
	return filepath.Join(stateDir, "originals", k.ID, f)
}

// gitShow returns a file's content at HEAD, or an error outside git (or for
// a file git does not track).
func gitShow(ctx context.Context, root, rel string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", "-C", root, "show", "HEAD:"+rel)
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git show HEAD:%s: %w", rel, err)
	}
	return out, nil
}
