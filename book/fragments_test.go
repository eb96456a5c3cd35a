package book

// The kata pages outside the book (solutions/*/EXPLANATION.md and
// katas/*/hints.md) show fragments of the kata's code rather than whole
// files. Each ```go block there says where it belongs, and this test
// type-checks it in that place:
//
//   - `<!-- fragment: in (*Finder).Compare -->` before the block: the block's
//     statements are placed in a nested block at the start of that function
//     (a method as (*T).M or T.M, a function by its name) of the package in
//     the same folder as the page, and the package is type-checked with them.
//     Parameters, receiver, package-level names and imports are in scope.
//     Statements after a semicolon in the marker come first, to declare what
//     the fragment takes from the elided code around it:
//     `<!-- fragment: in (*Batch).Run; workers := 1; var wg sync.WaitGroup -->`.
//     A line holding only `...` stands for elided code.
//   - `<!-- snippet: path/to/file.go -->` before the block: the block is a
//     verbatim excerpt of that file, as in the book (the file itself is
//     compiled and tested with the rest of the repository).
//   - A block that is a complete file (a package clause) is type-checked on
//     its own.
//   - A block that is deliberately not compilable Go is written ```go
//     nocompile after a `<!-- nocompile: why -->` marker; the test logs why.
//
// Variables the fragment declares and does not use are not errors (the
// fragment elides their use); every other type error is. Type-checking uses
// the go command's export data for the imports (`go list -export`), so the
// whole check costs one go list, not a build per block.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/gokatas/concurrency/internal/catalog"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// kataPages returns the Markdown pages whose Go blocks are fragments, as
// paths relative to the repository root.
func kataPages(t *testing.T) []string {
	t.Helper()
	var pages []string
	for _, pattern := range []string{"solutions/*/EXPLANATION.md", "katas/*/hints.md"} {
		m, err := filepath.Glob(filepath.Join("..", pattern))
		require.NoError(t, err)
		for _, p := range m {
			rel, err := filepath.Rel("..", p)
			require.NoError(t, err)
			pages = append(pages, filepath.ToSlash(rel))
		}
	}
	sort.Strings(pages)
	return pages
}

// fragmentChecker type-checks fragments against the packages they name.
type fragmentChecker struct {
	fset    *token.FileSet
	imports types.Importer
}

// newFragmentChecker lists the export data of every package that the
// packages in dirs import, directly or not.
func newFragmentChecker(t *testing.T, dirs []string) *fragmentChecker {
	t.Helper()
	args := []string{"list", "-e", "-export", "-deps", "-json=ImportPath,Export"}
	for _, d := range dirs {
		args = append(args, "./"+d)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = ".."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go list: %s", stderr.String())
	exports := map[string]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct{ ImportPath, Export string }
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else {
			require.NoError(t, err)
		}
		if p.Export != "" {
			exports[p.ImportPath] = p.Export
		}
	}
	fset := token.NewFileSet()
	lookup := func(importPath string) (io.ReadCloser, error) {
		f, ok := exports[importPath]
		if !ok {
			return nil, fmt.Errorf("no export data for %s", importPath)
		}
		return os.Open(f)
	}
	return &fragmentChecker{fset: fset, imports: importer.ForCompiler(fset, "gc", lookup)}
}

// goVersion is the language version of go.mod: a fragment may use nothing
// newer.
const goVersion = "go1.25"

// check type-checks one block of page (a path relative to the repository
// root) and returns what is wrong with it.
func (c *fragmentChecker) check(page string, b block) error {
	if b.lang != "go" {
		return nil
	}
	if rel, ok := strings.CutPrefix(b.marker, "snippet:"); ok {
		rel = strings.TrimSpace(rel)
		data, err := shippedSource(rel)
		if err != nil {
			return fmt.Errorf("snippet source: %w", err)
		}
		if !strings.Contains(normalise(string(data)), normalise(b.code)) {
			return fmt.Errorf("the block is not a verbatim excerpt of %s", rel)
		}
		return nil
	}
	if packageRE.MatchString(b.code) {
		return c.typeCheck("block", map[string]string{page: b.code})
	}
	where, ok := strings.CutPrefix(b.marker, "fragment:")
	if !ok {
		return errors.New("a go block here must follow <!-- fragment: in FUNC --> naming where it belongs, " +
			"be a complete file, or be ```go nocompile after <!-- nocompile: why -->")
	}
	where = strings.TrimSpace(where)
	fn, ok := strings.CutPrefix(where, "in ")
	if !ok {
		return fmt.Errorf("fragment marker %q: want \"in FUNC[; statements]\"", b.marker)
	}
	fn, prelude, _ := strings.Cut(fn, ";")
	fn = strings.TrimSpace(fn)

	dir := path.Dir(page)
	files, err := packageFiles(dir)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("%s has no Go files for the fragment to belong to", dir)
	}
	placed := false
	for name, src := range files {
		out, ok, err := c.insert(name, src, fn, fragmentBody(page, b, prelude))
		if err != nil {
			return err
		}
		if ok {
			files[name], placed = out, true
			break
		}
	}
	if !placed {
		return fmt.Errorf("no function %s in %s", fn, dir)
	}
	return c.typeCheck(path.Base(dir), files)
}

// fragmentBody is the nested block that carries the fragment, with line
// directives so that errors name the page and its line (a relative name in
// a //line directive is relative to the folder of the file it is in).
func fragmentBody(page string, b block, prelude string) string {
	var body strings.Builder
	body.WriteString("{\n")
	if p := strings.TrimSpace(prelude); p != "" {
		fmt.Fprintf(&body, "//line %s:%d\n%s\n", path.Base(page), b.line-1, p)
	}
	fmt.Fprintf(&body, "//line %s:%d\n", path.Base(page), b.line+1)
	for line := range strings.Lines(b.code) {
		if strings.TrimSpace(line) == "..." {
			line = "// ...\n"
		}
		body.WriteString(line)
	}
	body.WriteString("\n}\n")
	return body.String()
}

// insert puts body at the start of function fn's body in src.
func (c *fragmentChecker) insert(name, src, fn, body string) (string, bool, error) {
	f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.SkipObjectResolution)
	if err != nil {
		return "", false, err
	}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil || funcName(fd) != fn {
			continue
		}
		at := int(fd.Body.Lbrace) - int(f.FileStart) + 1 // just after the brace
		line := fileLine(src, at)
		return src[:at] + "\n" + body + fmt.Sprintf("//line %s:%d\n", path.Base(name), line) + src[at:], true, nil
	}
	return "", false, nil
}

// fileLine is the 1-based line of offset in src.
func fileLine(src string, offset int) int { return strings.Count(src[:offset], "\n") + 1 }

// funcName spells a declaration as a marker names it: F, T.M or (*T).M.
func funcName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	typ := fd.Recv.List[0].Type
	if idx, ok := typ.(*ast.IndexExpr); ok { // generic receiver T[P]
		typ = idx.X
	}
	if star, ok := typ.(*ast.StarExpr); ok {
		if id, ok := star.X.(*ast.Ident); ok {
			return "(*" + id.Name + ")." + fd.Name.Name
		}
	}
	if id, ok := typ.(*ast.Ident); ok {
		return id.Name + "." + fd.Name.Name
	}
	return fd.Name.Name
}

// packageFiles reads the non-test Go files of a repository folder, as
// shipped (a kata file a learner is editing, or deleted, comes from its
// original: see shippedSource).
func packageFiles(dir string) (map[string]string, error) {
	names, err := filepath.Glob(filepath.Join("..", filepath.FromSlash(dir), "*.go"))
	if err != nil {
		return nil, err
	}
	if c, _ := catalog.Load(".."); c != nil {
		for _, k := range c.Katas {
			for _, f := range k.Files {
				if p := filepath.Join("..", filepath.FromSlash(k.Dir), f); k.Dir == dir && !slices.Contains(names, p) {
					names = append(names, p) // a learner file the learner deleted
				}
			}
		}
	}
	files := map[string]string{}
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		rel := dir + "/" + filepath.Base(n)
		data, err := shippedSource(rel)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", rel, err)
		}
		files[rel] = string(data)
	}
	return files, nil
}

// typeCheck parses and type-checks files as one package.
func (c *fragmentChecker) typeCheck(pkg string, files map[string]string) error {
	var parsed []*ast.File
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		f, err := parser.ParseFile(c.fset, n, files[n], parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		parsed = append(parsed, f)
	}
	var errs []error
	conf := types.Config{
		Importer:  c.imports,
		GoVersion: goVersion,
		Error: func(err error) {
			var te types.Error
			if errors.As(err, &te) && te.Soft && strings.Contains(te.Msg, "declared and not used") {
				return // the fragment elides the use
			}
			errs = append(errs, err)
		},
	}
	_, _ = conf.Check(pkg, c.fset, parsed, nil)
	return errors.Join(errs...)
}

// TestKataPageBlocksCompile type-checks every Go block of the solutions'
// explanations and the katas' hints in the place it names.
func TestKataPageBlocksCompile(t *testing.T) {
	defer goleak.VerifyNone(t)
	pages := kataPages(t)
	require.NotEmpty(t, pages)
	var dirs []string
	for _, p := range pages {
		dirs = append(dirs, path.Dir(p))
	}
	c := newFragmentChecker(t, dirs)
	checked := 0
	for _, page := range pages {
		data, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(page)))
		require.NoError(t, err)
		blocks, err := parseBlocks(page, string(data))
		require.NoError(t, err)
		for _, b := range blocks {
			if lang, ok := strings.CutPrefix(b.lang, "go "); ok && strings.TrimSpace(lang) == "nocompile" {
				why, ok := strings.CutPrefix(b.marker, "nocompile:")
				if assert.True(t, ok && strings.TrimSpace(why) != "", "%s: a go nocompile block needs <!-- nocompile: why --> before it", b.where()) {
					t.Logf("%s: not compiled: %s", b.where(), strings.TrimSpace(why))
				}
				continue
			}
			if b.lang != "go" {
				continue
			}
			assert.NoError(t, c.check(page, b), "%s", b.where())
			checked++
		}
	}
	t.Logf("%d blocks type-checked in %d pages", checked, len(pages))
}

// TestFragmentCheckerRejectsBrokenBlocks makes sure the check above can
// fail: a renamed method, a missing marker, a wrong function.
func TestFragmentCheckerRejectsBrokenBlocks(t *testing.T) {
	defer goleak.VerifyNone(t)
	const page = "solutions/01-wg-ordering/EXPLANATION.md"
	c := newFragmentChecker(t, []string{"solutions/01-wg-ordering"})
	good := block{file: page, line: 10, lang: "go", marker: "fragment: in (*Finder).Compare",
		code: "var wg sync.WaitGroup\nfor i, s := range f.Suppliers {\n\twg.Go(func() {\n\t\t...\n\t})\n}\nwg.Wait()\n"}
	require.NoError(t, c.check(page, good))

	for _, tc := range []struct {
		name    string
		change  func(b *block)
		wantErr string
	}{
		{"wg.Go renamed wg.Run", func(b *block) { b.code = strings.ReplaceAll(b.code, "wg.Go", "wg.Run") }, "EXPLANATION.md:13"},
		{"a field that does not exist", func(b *block) { b.code = strings.ReplaceAll(b.code, "f.Suppliers", "f.Vendors") }, "Vendors"},
		{"a variable the function lacks", func(b *block) { b.marker = "fragment: in (*Finder).Compare; var x int"; b.code += "use(x, y)\n" }, "undefined: use"},
		{"no marker", func(b *block) { b.marker = "" }, "fragment: in FUNC"},
		{"a function that does not exist", func(b *block) { b.marker = "fragment: in (*Finder).Quote" }, "no function (*Finder).Quote"},
		{"language newer than go.mod", func(b *block) { b.code += "_ = new(42)\n" }, "go1.26"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := good
			tc.change(&b)
			err := c.check(page, b)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantErr)
		})
	}
}
