// Package book holds the workbook's book (Markdown) and the test that keeps
// every Go code block in it honest: each block either quotes a compiled,
// tested file of the repository, or is a complete file that this test
// compiles, vets, and (where the chapter shows output) runs.
//
// The rules a chapter follows:
//
//   - A ```go block preceded by `<!-- snippet: path/to/file.go -->` must appear
//     verbatim (as a contiguous run of lines, indentation included) in that
//     file. The file itself is compiled and tested with the rest of the repo.
//   - Any other ```go block must be a complete file (it starts with a
//     `package` clause, after comments). It is compiled and vetted. A block
//     with `func Test` is a test file and must pass `go test -race`.
//   - A ```text block preceded by `<!-- output -->` right after a complete
//     `package main` block is what that program prints, exactly.
//   - Code that is meant not to compile goes in a ```text block.
//
// The Go blocks of the solutions' EXPLANATION.md and the katas' hints.md are
// fragments of the kata's code; fragments_test.go type-checks each one in the
// function its marker names.
package book

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/pristine"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// block is one fenced code block of a chapter.
type block struct {
	file   string // chapter path relative to the book folder
	line   int    // line of the opening fence
	lang   string
	marker string // the HTML comment right before the fence, if any
	code   string
}

func (b block) where() string { return fmt.Sprintf("%s:%d", b.file, b.line) }

var markerRE = regexp.MustCompile(`^<!--\s*(.*?)\s*-->$`)

// parseBlocks returns every fenced block of a Markdown document.
func parseBlocks(file, md string) ([]block, error) {
	var blocks []block
	var cur *block
	var body strings.Builder
	lastMarker, fence := "", ""
	sc := bufio.NewScanner(strings.NewReader(md))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if cur != nil {
			if strings.TrimSpace(line) == fence {
				cur.code = body.String()
				blocks = append(blocks, *cur)
				cur, lastMarker = nil, ""
				continue
			}
			body.WriteString(line + "\n")
			continue
		}
		if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
			fence = trimmed[:3]
			for strings.HasPrefix(trimmed[len(fence):], fence[:1]) {
				fence += fence[:1]
			}
			cur = &block{file: file, line: n, lang: strings.TrimSpace(trimmed[len(fence):]), marker: lastMarker}
			body.Reset()
			continue
		}
		if m := markerRE.FindStringSubmatch(trimmed); m != nil {
			lastMarker = m[1]
		} else if trimmed != "" {
			lastMarker = ""
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("%s: unclosed code fence", cur.where())
	}
	return blocks, sc.Err()
}

// chapters reads every Markdown file of the book.
func chapters(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*.md")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	out := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		out[f] = string(data)
	}
	return out
}

func allBlocks(t *testing.T) []block {
	t.Helper()
	var all []block
	for name, md := range chapters(t) {
		bs, err := parseBlocks(name, md)
		require.NoError(t, err)
		all = append(all, bs...)
	}
	return all
}

// TestSnippetsQuoteRealFiles checks every `<!-- snippet: path -->` block.
func TestSnippetsQuoteRealFiles(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, b := range allBlocks(t) {
		path, ok := strings.CutPrefix(b.marker, "snippet:")
		if !ok {
			continue
		}
		path = strings.TrimSpace(path)
		data, err := shippedSource(path)
		if errors.Is(err, errEdited) {
			t.Logf("%s: %s is being edited by a learner and git has no original; not checked", b.where(), path)
			continue
		}
		if !assert.NoError(t, err, "%s: snippet source", b.where()) {
			continue
		}
		assert.True(t, strings.Contains(normalise(string(data)), normalise(b.code)),
			"%s: the block is not a verbatim excerpt of %s", b.where(), path)
		assert.True(t, strings.HasSuffix(path, ".go"), "%s: snippets quote .go files", b.where())
	}
}

var errEdited = errors.New("edited kata file")

// shippedSource reads a repository file as shipped. A kata's learner file
// is the learner's to edit, solve or delete: its original comes from the
// working tree when it still matches kata.json's hash, else from the
// state folder's snapshot or git history (internal/pristine), so a
// learner's work never breaks the book's tests.
func shippedSource(rel string) ([]byte, error) {
	data, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(rel)))
	if !strings.HasPrefix(rel, "katas/") {
		return data, err
	}
	c, _ := catalog.Load("..")
	if c == nil {
		return data, err
	}
	i := slices.IndexFunc(c.Katas, func(k catalog.Kata) bool {
		return k.Dir == path.Dir(rel) && slices.Contains(k.Files, path.Base(rel))
	})
	if i < 0 {
		return data, err // a test file, or not a kata file: never the learner's
	}
	state := os.Getenv("KATA_STATE_DIR")
	if state == "" {
		state = filepath.Join(c.Root, ".kata")
	}
	origs, ferr := pristine.Find(context.Background(), c, c.Katas[i], state)
	if ferr != nil {
		return nil, errEdited
	}
	for _, o := range origs {
		if o.File == path.Base(rel) {
			return o.Content, nil
		}
	}
	return nil, errEdited
}

func normalise(s string) string {
	var out strings.Builder
	for line := range strings.Lines(s) {
		out.WriteString(strings.TrimRight(line, " \t\r\n") + "\n")
	}
	return out.String()
}

var packageRE = regexp.MustCompile(`(?m)^package\s+(\w+)`)

// TestCompleteBlocksCompile compiles, vets and (for tests) runs every Go
// block that is not a snippet, in a scratch module that shares this
// repository's go.mod requirements, and checks shown output.
func TestCompleteBlocksCompile(t *testing.T) {
	defer goleak.VerifyNone(t)
	if testing.Short() {
		t.Skip("compiles every book block; skipped with -short")
	}
	blocks := allBlocks(t)
	dir := t.TempDir()
	gomod, err := os.ReadFile("../go.mod")
	require.NoError(t, err)
	gomod = regexp.MustCompile(`(?m)^module .*$`).ReplaceAll(gomod, []byte("module booksnippets"))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), gomod, 0o644))
	gosum, err := os.ReadFile("../go.sum")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.sum"), gosum, 0o644))

	type program struct {
		b      block
		pkg    string
		output *string
	}
	var progs []program
	var tests []string
	for i, b := range blocks {
		if b.lang == "text" && b.marker == "output" {
			if len(progs) == 0 || i == 0 || blocks[i-1].code != progs[len(progs)-1].b.code {
				t.Errorf("%s: an <!-- output --> block must follow a complete package main block", b.where())
				continue
			}
			out := b.code
			progs[len(progs)-1].output = &out
			continue
		}
		if b.lang != "go" || strings.HasPrefix(b.marker, "snippet:") {
			continue
		}
		m := packageRE.FindStringSubmatch(b.code)
		if m == nil {
			t.Errorf("%s: a go block must be a complete file (package clause) or a <!-- snippet: path --> excerpt", b.where())
			continue
		}
		pkgDir := fmt.Sprintf("s%03d", len(progs))
		name := "main.go"
		if strings.Contains(b.code, "func Test") {
			name = "snippet_test.go"
			tests = append(tests, "./"+pkgDir)
		}
		require.NoError(t, os.MkdirAll(filepath.Join(dir, pkgDir), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, pkgDir, name), []byte(b.code), 0o644))
		progs = append(progs, program{b: b, pkg: pkgDir})
	}
	if len(progs) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	goCmd := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GORACE=atexit_sleep_ms=0")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := goCmd("vet", "./..."); err != nil {
		t.Fatalf("book blocks do not compile or vet cleanly (s000 is the first complete block in %v):\n%s\n%s",
			describe(progs, func(p program) string { return p.pkg + " = " + p.b.where() }), out, err)
	}
	if len(tests) > 0 {
		out, err := goCmd(append([]string{"test", "-race", "-count=1"}, tests...)...)
		assert.NoError(t, err, "book test blocks fail:\n%s", out)
	}
	for _, p := range progs {
		if p.output == nil {
			continue
		}
		out, err := goCmd("run", "./"+p.pkg)
		if assert.NoError(t, err, "%s: %s", p.b.where(), out) {
			assert.Equal(t, *p.output, out, "%s: the output shown is not what the program prints", p.b.where())
		}
	}
}

func describe[T any](xs []T, f func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

func TestParseBlocks(t *testing.T) {
	defer goleak.VerifyNone(t)
	md := "intro\n<!-- snippet: a/b.go -->\n```go\nx := 1\n```\n\n```go\npackage main\n```\n<!-- output -->\n````text\nhi\n```\n````\n"
	bs, err := parseBlocks("c.md", md)
	require.NoError(t, err)
	require.Len(t, bs, 3)
	assert.Equal(t, block{file: "c.md", line: 3, lang: "go", marker: "snippet: a/b.go", code: "x := 1\n"}, bs[0])
	assert.Equal(t, "", bs[1].marker)
	assert.Equal(t, "output", bs[2].marker)
	assert.Equal(t, "hi\n```\n", bs[2].code)

	_, err = parseBlocks("d.md", "```go\nunclosed\n")
	require.ErrorContains(t, err, "d.md:1: unclosed code fence")
}

func FuzzParseBlocks(f *testing.F) {
	f.Add("```go\npackage x\n```\n")
	f.Add("<!-- output -->\n~~~~text\n~~~\n~~~~\n")
	f.Fuzz(func(t *testing.T, md string) {
		bs, err := parseBlocks("f.md", md)
		if err != nil {
			return
		}
		for _, b := range bs {
			if !bytes.Contains([]byte(md), []byte(b.code)) {
				t.Fatalf("block code not from the input: %q", b.code)
			}
		}
	})
}
