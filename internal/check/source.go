package check

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"github.com/gokatas/concurrency/internal/diagnose"
)

// diagnoseOptions is how a run of b is diagnosed: causes are read from the
// code that was compiled, the build's overlay included (the shipped kata
// while the learner's file is solved or deleted, a catalogue case), not
// only from the working tree.
func (r *Runner) diagnoseOptions(b *Binary) diagnose.Options {
	o := diagnose.Options{Root: r.Root, KataDir: b.Kata.Dir}
	if len(b.overlay) == 0 {
		return o
	}
	files := map[string]string{}
	for kataPath, replacement := range b.overlay {
		if rel, err := filepath.Rel(r.Root, kataPath); err == nil {
			files[filepath.ToSlash(rel)] = replacement
		}
	}
	o.Source = overlayFS{base: os.DirFS(r.Root), files: files}
	return o
}

// overlayFS is the repository as a build with -overlay sees it: files is
// root-relative slash path → the absolute path of the file that replaces
// (or adds) it.
type overlayFS struct {
	base  fs.FS
	files map[string]string
}

// Open opens the replacement of name when there is one.
func (o overlayFS) Open(name string) (fs.File, error) {
	if p, ok := o.files[name]; ok {
		return os.Open(p)
	}
	return o.base.Open(name)
}

// ReadDir lists dir with the replaced files in, those the working tree
// lacks (a learner deleted them) included.
func (o overlayFS) ReadDir(dir string) ([]fs.DirEntry, error) {
	entries, err := fs.ReadDir(o.base, dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	have := map[string]bool{}
	for _, e := range entries {
		have[e.Name()] = true
	}
	for name, p := range o.files {
		if path.Dir(name) != dir || have[path.Base(name)] {
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		entries = append(entries, renamed{fs.FileInfoToDirEntry(info), path.Base(name)})
	}
	return entries, nil
}

// renamed is a directory entry under the name the overlay gives it.
type renamed struct {
	fs.DirEntry
	name string
}

func (r renamed) Name() string { return r.name }
