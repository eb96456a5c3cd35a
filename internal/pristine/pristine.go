// Package pristine finds the shipped originals of the files a learner edits
// (by the hashes in kata.json: the working tree, a snapshot in the state
// folder, or git history), so a kata can be judged as shipped, or reset,
// while a learner is at work, and tells a learner whose workbook was updated
// under their edits what changed.
package pristine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gokatas/concurrency/internal/catalog"
)

// Source says where an original came from.
type Source string

// The sources of an original, in the order they are tried.
const (
	// FromWorkingTree: the file in the working tree matches its kata.json hash.
	FromWorkingTree Source = "working tree"
	// FromSnapshot: a copy under <state>/originals, taken while the file matched.
	FromSnapshot Source = "snapshot"
	// FromGitHead: the file at git HEAD (its hash matches kata.json).
	FromGitHead Source = "git HEAD"
	// FromGitHistory: the file in an earlier commit (the learner committed their work).
	FromGitHistory Source = "git history"
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
// order. For each file it takes the first of these whose SHA-256 matches
// kata.json: the working file, the snapshot under stateDir/originals, the
// file at git HEAD, the file in an earlier commit of HEAD's history (a
// learner who commits their work moves HEAD away from the shipped file). It
// never looks at a file's hash alone to call kata.json wrong: a learner's
// commits, an update of the workbook and a kata author's edit all look
// alike from here. A file with no original anywhere is an error that says
// where the runner looked and what to do.
func Find(ctx context.Context, c *catalog.Catalog, k catalog.Kata, stateDir string) ([]Original, error) {
	out := make([]Original, 0, len(k.Files))
	for _, f := range k.Files {
		o, err := findOne(ctx, c, k, stateDir, f)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// findOne finds the original of file f of k (see Find).
func findOne(ctx context.Context, c *catalog.Catalog, k catalog.Kata, stateDir, f string) (Original, error) {
	rel := path.Join(k.Dir, f)
	want := k.Originals[f]
	working, err := os.ReadFile(c.Path(rel))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return Original{}, fmt.Errorf("read %s: %w", rel, err)
	}
	if err == nil && catalog.Hash(working) == want {
		return Original{File: f, Content: working, Source: FromWorkingTree}, nil
	}
	if snap, err := os.ReadFile(snapshotPath(stateDir, k, f)); err == nil && catalog.Hash(snap) == want {
		return Original{File: f, Content: snap, Source: FromSnapshot}, nil
	}
	content, src, found := fromGit(ctx, c.Root, rel, want)
	if ctx.Err() != nil {
		return Original{}, fmt.Errorf("originals of %s: %w", k.ID, ctx.Err())
	}
	if found {
		return Original{File: f, Content: content, Source: src}, nil
	}
	state := "differs from the shipped version (its hash in kata.json)"
	if err != nil {
		state = "is missing"
	}
	hint := ""
	if err == nil {
		hint = fmt.Sprintf(" If you are writing or changing this kata, set originals[%q] in %s/kata.json to %q.", f, k.Dir, catalog.Hash(working))
	}
	return Original{}, fmt.Errorf("%s %s, and its shipped version was found nowhere (not in git history, no snapshot in %s): copy it from a fresh copy of the workbook.%s",
		rel, state, filepath.Join(stateDir, "originals"), hint)
}

// maxHistory bounds how many earlier commits fromGit reads for one file.
const maxHistory = 200

// fromGit looks for the version of rel whose SHA-256 is want: at HEAD first,
// then in the commits of HEAD's history that changed rel, newest first.
// Outside git, or when no version matches, found is false.
func fromGit(ctx context.Context, root, rel, want string) (content []byte, src Source, found bool) {
	if head, err := gitOutput(ctx, root, "show", "HEAD:"+rel); err == nil && catalog.Hash(head) == want {
		return head, FromGitHead, true
	}
	revs, err := gitOutput(ctx, root, "rev-list", "--max-count="+strconv.Itoa(maxHistory), "HEAD", "--", rel)
	if err != nil {
		return nil, "", false
	}
	for rev := range strings.FieldsSeq(string(revs)) {
		old, err := gitOutput(ctx, root, "show", rev+":"+rel)
		if err == nil && catalog.Hash(old) == want {
			return old, FromGitHistory, true
		}
	}
	return nil, "", false
}

// Updated returns, for each learner file of k whose shipped version changed
// since the learner's snapshot was taken (the workbook was updated while the
// learner had edits in progress), a sentence saying so and what to do. The
// learner's file is never touched.
func Updated(c *catalog.Catalog, k catalog.Kata, stateDir string) []string {
	var notes []string
	for _, f := range k.Files {
		snap, err := os.ReadFile(snapshotPath(stateDir, k, f))
		if err != nil || catalog.Hash(snap) == k.Originals[f] {
			continue
		}
		working, err := os.ReadFile(c.Path(k.Dir, f))
		if err == nil && catalog.Hash(working) == k.Originals[f] {
			continue // already the new version; Snapshot refreshes the copy
		}
		notes = append(notes, fmt.Sprintf(
			"%s/%s changed in this version of the workbook; your edits are kept. The version you started from is %s: compare it with the new one (kata solution --diff shows yours against the solution), or run `kata reset %02d` to start over from the new version (yours is backed up first).",
			k.Dir, f, snapshotPath(stateDir, k, f), k.Number))
	}
	return notes
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
		state := "differs from the shipped file (its hash in kata.json)"
		if _, err := os.Stat(c.Path(k.Dir, o.File)); errors.Is(err, fs.ErrNotExist) {
			state = "is missing"
		}
		notes = append(notes, fmt.Sprintf("%s/%s %s: judged the original from %s; if you are changing the kata, update the hash to verify your version",
			k.Dir, o.File, state, o.Source))
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

// gitOutput runs git in root and returns its standard output, or an error
// outside git (or for a path git does not know).
func gitOutput(ctx context.Context, root string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", root}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return out, nil
}

// Overlay returns a go -overlay replacement map (absolute kata path →
// absolute file) that compiles k as shipped: each learner file that differs
// from its original is replaced by the original, written under dir. Notes
// say where originals came from (see Originals).
func Overlay(ctx context.Context, c *catalog.Catalog, k catalog.Kata, stateDir, dir string) (map[string]string, []string, error) {
	origs, notes, err := Originals(ctx, c, k, stateDir)
	if err != nil {
		return nil, nil, err
	}
	out := map[string]string{}
	for f, content := range origs {
		if content == nil {
			continue // the working file is the original
		}
		p := filepath.Join(dir, "originals", k.ID, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, nil, fmt.Errorf("overlay %s: %w", k.ID, err)
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			return nil, nil, fmt.Errorf("overlay %s: %w", k.ID, err)
		}
		out[c.Path(k.Dir, f)] = p
	}
	return out, notes, nil
}
