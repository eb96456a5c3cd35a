package diagnose

import (
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// frame is one call in a stack trace.
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
	// module is the module path of the code on disk at root, if any.
	module string
	// pkgs are the import paths of the packages the stream tested (its
	// events' Package fields): their frames are the learner's code
	// wherever the stream was recorded.
	pkgs map[string]bool
	// roots are the module roots the stream's frames were recorded under
	// (a recorded file minus its module-relative path): where to read the
	// code when the stream comes from another directory.
	roots map[string]bool
}

func newLocator(o Options) locator {
	return locator{root: strings.TrimSuffix(filepath.ToSlash(o.Root), "/"), kataDir: strings.Trim(filepath.ToSlash(o.KataDir), "/"),
		module: o.Module, pkgs: map[string]bool{}, roots: map[string]bool{}}
}

// funcPackage returns the import path of a frame's function:
// "github.com/m/katas/k.(*T).M.func1" is in "github.com/m/katas/k"; a
// test package's "_test" suffix is dropped.
func funcPackage(fn string) string {
	slash := strings.LastIndex(fn, "/")
	dot := strings.Index(fn[slash+1:], ".")
	if dot < 0 {
		return ""
	}
	return strings.TrimSuffix(fn[:slash+1+dot], "_test")
}

// tested reports a frame of one of the stream's packages (or of the module
// on disk), and returns its file relative to its module.
func (l locator) tested(f frame) (string, bool) {
	pkg := funcPackage(f.Func)
	if pkg == "" {
		return "", false
	}
	mod := l.moduleOf(pkg)
	if mod == "" {
		return "", false
	}
	dir := path.Dir(path.Clean(filepath.ToSlash(f.File)))
	rel := strings.TrimPrefix(strings.TrimPrefix(pkg, mod), "/")
	// The file must be in the package's folder, else it is not this
	// package's file (a generated or overlaid one): leave it alone.
	if rel != "" && !strings.HasSuffix(dir, "/"+rel) && dir != rel {
		return "", false
	}
	r := path.Join(rel, path.Base(filepath.ToSlash(f.File)))
	if root, ok := strings.CutSuffix(path.Clean(filepath.ToSlash(f.File)), "/"+r); ok && path.IsAbs(root) {
		l.roots[root] = true
	}
	return r, true
}

// moduleOf returns the module of a package when it is the module on disk
// or the module of one of the stream's packages ("" otherwise).
func (l locator) moduleOf(pkg string) string {
	within := func(m string) bool { return m != "" && (pkg == m || strings.HasPrefix(pkg, m+"/")) }
	if within(l.module) {
		return l.module
	}
	if l.pkgs[pkg] {
		return guessModule(pkg, l.pkgs)
	}
	for p := range l.pkgs {
		if m := guessModule(p, l.pkgs); within(m) {
			return m
		}
	}
	return ""
}

// guessModule guesses the module of a package from the import paths of the
// stream's packages: their longest common prefix when there are several,
// else the usual shape of a module path (host/owner/repo on the big code
// hosts, the first element elsewhere).
func guessModule(pkg string, pkgs map[string]bool) string {
	parts := strings.Split(pkg, "/")
	common := len(parts)
	for p := range pkgs {
		q := strings.Split(p, "/")
		n := 0
		for n < len(q) && n < common && q[n] == parts[n] {
			n++
		}
		common = min(common, n)
	}
	if len(pkgs) > 1 && common > 0 {
		return strings.Join(parts[:common], "/")
	}
	n := 1
	switch parts[0] {
	case "github.com", "gitlab.com", "bitbucket.org", "golang.org", "go.googlesource.com":
		n = 3
	case "gopkg.in":
		n = 2
	default:
		if strings.Contains(parts[0], ".") && len(parts) > 1 {
			n = 2
		}
	}
	return strings.Join(parts[:min(n, len(parts))], "/")
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
		roots := []string{l.root, l.seen}
		if len(l.seen) > len(l.root) {
			// A checkout recorded inside this one (a copy under testdata,
			// a worktree): the deeper root is the right one.
			roots = []string{l.seen, l.root}
		}
		for _, root := range roots {
			if r, ok := strings.CutPrefix(p, root+"/"); ok && root != "" {
				return r, true
			}
		}
		return p, false
	}
	return p, !path.IsAbs(p) && !strings.HasPrefix(p, "$") && !(len(p) > 1 && p[1] == ':')
}

// file shows a frame's file: relative to the root when inside it, else
// relative to its module when it is a tested package's, else as recorded.
func (l locator) file(f frame) (string, bool) {
	if r, ok := l.inside(f.File); ok && (l.root != "" || l.seen != "") {
		return r, true
	}
	if r, ok := l.tested(f); ok {
		return r, true
	}
	return l.inside(f.File)
}

// learner reports whether a frame is in the learner's own code: a non-test
// .go file of the kata (or, without a kata, of the repository).
func (l locator) learner(f frame) bool {
	r, _ := l.file(f)
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
	r, in := l.file(f)
	return !in || strings.Contains(r, "/pkg/mod/") || strings.HasPrefix(r, "internal/katatest/") ||
		strings.HasPrefix(r, "$GOROOT/") || strings.HasPrefix(r, "$GOMODCACHE/") || strings.HasPrefix(f.Func, "runtime.") ||
		strings.HasPrefix(f.Func, "testing.")
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
	r, _ := l.file(f)
	return Location{File: r, Line: f.Line, Func: shortFunc(f.Func)}
}

// shortFunc drops the import path but keeps the package name:
// "github.com/x/katas/01-wg.(*F).Compare.func1" becomes "01-wg.(*F).Compare.func1".
func shortFunc(fn string) string {
	if i := strings.LastIndex(fn, "/"); i >= 0 {
		return fn[i+1:]
	}
	return fn
}

// describe writes a location as "file:line in func" (without the func when
// it is not known).
func describe(loc Location) string {
	s := loc.String()
	if loc.Func != "" {
		s += " in " + loc.Func
	}
	return s
}
