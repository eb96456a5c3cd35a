package diagnose

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/mod/modfile"

	"github.com/gokatas/concurrency/internal/testjson"
)

// Input counts what a stream held: every decoded line, and the events of
// test2json among them (an output line of a test, or an action of a
// package), so a caller can tell plain `go test` output from a JSON run.
type Input struct {
	Lines, Events int
}

// Read feeds every event of a `go test -json` stream to d, until the
// stream or ctx ends. found, when not nil, hears each finding as soon as
// it is complete (Result still holds them all); an error from found stops
// the reading and is returned.
func (d *Diagnoser) Read(ctx context.Context, r io.Reader, found func(Finding) error) (Input, error) {
	var in Input
	dec := testjson.NewDecoder(r)
	for ctx.Err() == nil {
		ev, err := dec.Next()
		if err == io.EOF {
			return in, nil
		}
		if err != nil {
			return in, fmt.Errorf("read test events: %w", err)
		}
		in.Lines++
		if ev.Action != "output" || ev.Package != "" || ev.ImportPath != "" {
			in.Events++
		}
		for _, f := range d.Feed(ev) {
			if found == nil {
				continue
			}
			if err := found(f); err != nil {
				return in, err
			}
		}
	}
	return in, ctx.Err()
}

// ModuleOptions finds the module around dir, so that findings are shown
// relative to its root and test lines are placed in their package
// folders; outside a module, paths are relative to dir.
func ModuleOptions(dir string) Options {
	for d := dir; d != ""; {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil {
			return Options{Root: d, Module: modfile.ModulePath(b)}
		}
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	return Options{Root: dir}
}
