package diagnose

import (
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Frame is one call in a stack trace.
type frame struct {
	Func string
	File string // absolute, as printed
	Line int
}

// fileLineRE matches the file line of a frame: "\t/abs/file.go:12 +0x1f".
var fileLineRE = regexp.MustCompile(`^\s*(\S+\.go):(\d+)(?: \+0x[0-9a-f]+)?\s*$`)

// parseFrames reads "func(args)\n\tfile:line +0x.." pairs from lines,
// skipping anything else.
func parseFrames(lines []string) []frame {
	var out []frame
	for i := 0; i+1 < len(lines); i++ {
		m := fileLineRE.FindStringSubmatch(lines[i+1])
		if m == nil {
			continue
		}
		fn := strings.TrimSpace(lines[i])
		fn = strings.TrimPrefix(fn, "created by ")
		if j := strings.Index(fn, " in goroutine "); j >= 0 {
			fn = fn[:j]
		}
		if j := strings.LastIndex(fn, "("); j > 0 && strings.HasSuffix(fn, ")") {
			fn = fn[:j]
		}
		n, _ := strconv.Atoi(m[2])
		out = append(out, frame{Func: fn, File: m[1], Line: n})
		i++
	}
	return out
}

// frames parses the frames of lines and learns from them the root the
// stream was recorded under, when it is not Options.Root.
func (d *Diagnoser) frames(lines []string) []frame {
	fs := parseFrames(lines)
	if d.loc.seen == "" && d.opts.Module != "" {
		for _, f := range fs {
			if root, ok := recordedRoot(f, d.opts.Module); ok && root != d.loc.root {
				d.loc.seen = root
				break
			}
		}
	}
	return fs
}

// recordedRoot finds the module root of a frame of the module's own code:
// "github.com/m/katas/k.F" at "/elsewhere/katas/k/k.go" was recorded with
// the module at "/elsewhere".
func recordedRoot(f frame, module string) (string, bool) {
	fn, ok := strings.CutPrefix(f.Func, module+"/")
	if !ok {
		return "", false
	}
	// The package path ends at the first "." after the last "/".
	slash := strings.LastIndex(fn, "/")
	dot := strings.Index(fn[slash+1:], ".")
	if dot < 0 {
		return "", false
	}
	pkg := strings.TrimSuffix(fn[:slash+1+dot], "_test")
	dir := path.Dir(path.Clean(filepath.ToSlash(f.File)))
	root, ok := strings.CutSuffix(dir, "/"+pkg)
	if !ok || root == "" {
		return "", false
	}
	return root, true
}

// locator turns absolute frames into Locations relative to the root and
// picks the learner's frame.
type locator struct {
	root    string // absolute, slash-separated
	kataDir string // repo-relative, slash-separated
	// seen is the root the stream was recorded under when it differs from
	// root (a run recorded in another checkout), learned from the frames.
	seen string
}

func newLocator(o Options) locator {
	return locator{root: strings.TrimSuffix(filepath.ToSlash(o.Root), "/"), kataDir: strings.Trim(filepath.ToSlash(o.KataDir), "/")}
}

// rel shows a path relative to the root when it is inside it.
func (l locator) rel(p string) string {
	r, _ := l.inside(p)
	return r
}

// inside returns p relative to the root and whether it is inside the root.
// Without a root, a relative path counts as inside.
func (l locator) inside(p string) (string, bool) {
	p = path.Clean(filepath.ToSlash(p))
	if l.root != "" || l.seen != "" {
		for _, root := range []string{l.root, l.seen} {
			if r, ok := strings.CutPrefix(p, root+"/"); ok && root != "" {
				return r, true
			}
		}
		return p, false
	}
	return p, !path.IsAbs(p) && !strings.HasPrefix(p, "$") && !(len(p) > 1 && p[1] == ':')
}

// learner reports whether a frame is in the learner's own code: a non-test
// .go file of the kata (or, without a kata, of the repository).
func (l locator) learner(f frame) bool {
	r := l.rel(f.File)
	if strings.HasSuffix(r, "_test.go") || l.library(f) {
		return false
	}
	if l.kataDir == "" {
		return true
	}
	return strings.HasPrefix(r, l.kataDir+"/")
}

// test reports whether a frame is in a test file of the repository.
func (l locator) test(f frame) bool {
	return strings.HasSuffix(f.File, "_test.go") && !l.library(f)
}

// library reports frames of the runtime, the standard library, the module
// cache and the workbook's own test support: everything folded away.
func (l locator) library(f frame) bool {
	r, in := l.inside(f.File)
	return !in || strings.Contains(r, "/pkg/mod/") || strings.HasPrefix(r, "internal/katatest/")
}

// best picks the learner's first frame, else the first test frame, else the
// first frame that is not library code; ok is false when it falls back to the
// first frame of all.
func (l locator) best(fs []frame) (Location, bool) {
	for _, pick := range []func(frame) bool{l.learner, l.test} {
		for _, f := range fs {
			if pick(f) {
				return l.loc(f), true
			}
		}
	}
	if len(fs) > 0 {
		return l.loc(fs[0]), false
	}
	return Location{}, false
}

func (l locator) loc(f frame) Location {
	return Location{File: l.rel(f.File), Line: f.Line, Func: shortFunc(f.Func)}
}

// shortFunc drops the import path: "github.com/x/katas/01-wg.(*F).Compare.func1"
// becomes "prices.(*F).Compare.func1" style "01-wg.(*F).Compare.func1".
func shortFunc(fn string) string {
	if i := strings.LastIndex(fn, "/"); i >= 0 {
		return fn[i+1:]
	}
	return fn
}

// describe writes a location as "file:line (func)".
func describe(loc Location) string {
	s := loc.File + ":" + strconv.Itoa(loc.Line)
	if loc.Func != "" {
		s += " in " + loc.Func
	}
	return s
}
