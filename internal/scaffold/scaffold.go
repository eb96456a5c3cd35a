// Package scaffold creates a new kata (`kata new NN-name`): the kata's
// files, metadata, hints, README, a solution with its explanation, one
// wrong fix and one alternative fix for the catalogue, and a chapter stub.
// The scaffold is a complete toy kata that `kata verify` accepts as it
// stands, so an author starts from something that works and replaces it
// piece by piece.
package scaffold

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"text/template"

	"github.com/gokatas/concurrency/internal/catalog"
)

//go:embed template/*.tmpl
var templates embed.FS

// FirstTeamNumber is the first number `kata new` gives a kata when none is
// asked for: the workbook's own katas have two-digit numbers, a team's own
// three, so that an update of the workbook never collides with them.
const FirstTeamNumber = 101

var (
	withNumber = regexp.MustCompile(`^([0-9]{2,3})-([a-z0-9]+(?:-[a-z0-9]+)*)$`)
	slugOnly   = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)
)

// data fills the templates.
type data struct {
	ID, Slug, Pkg, Title, File, Hash string
	Number                           int
	CauseLine                        int
}

// ID turns what an author typed ("101-cache-stampede", or just
// "cache-stampede") into a kata ID that no kata of c uses yet.
func ID(c *catalog.Catalog, arg string) (string, error) {
	used := map[int]string{}
	for _, k := range c.Katas {
		used[k.Number] = k.ID
	}
	if m := withNumber.FindStringSubmatch(arg); m != nil {
		n, _ := strconv.Atoi(m[1])
		if other, ok := used[n]; ok {
			return "", fmt.Errorf("number %d is taken by %s: pick another, or give only the name (%s) for the next free team number", n, other, m[2])
		}
		return arg, nil
	}
	if !slugOnly.MatchString(arg) {
		return "", fmt.Errorf("%q is not a kata name: use lower-case words joined by hyphens, e.g. 101-cache-stampede or cache-stampede", arg)
	}
	n := FirstTeamNumber
	for used[n] != "" {
		n++
	}
	return fmt.Sprintf("%d-%s", n, arg), nil
}

// Create writes the new kata id into the workbook at root and returns the
// repo-relative paths it wrote. It refuses to overwrite anything.
func Create(root, id string) ([]string, error) {
	m := withNumber.FindStringSubmatch(id)
	if m == nil {
		return nil, fmt.Errorf("%q is not NN-name", id)
	}
	n, _ := strconv.Atoi(m[1])
	slug := m[2]
	d := data{
		ID: id, Slug: slug, Number: n,
		Pkg:   strings.ReplaceAll(slug, "-", ""),
		Title: strings.ToUpper(slug[:1]) + strings.ReplaceAll(slug[1:], "-", " "),
		File:  strings.ReplaceAll(slug, "-", "_") + ".go",
	}
	for _, dir := range []string{path.Join("katas", id), path.Join("solutions", id), path.Join("book", id+".md")} {
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(dir))); !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s already exists: nothing written", dir)
		}
	}
	kataSrc, err := render("kata.go.tmpl", d)
	if err != nil {
		return nil, err
	}
	d.Hash = catalog.Hash(kataSrc)
	d.CauseLine = lineOf(kataSrc, "BUG:")
	files := []struct{ tmpl, to string }{
		{"kata.go.tmpl", "katas/{id}/{file}"},
		{"kata_test.go.tmpl", "katas/{id}/" + strings.TrimSuffix(d.File, ".go") + "_test.go"},
		{"kata.json.tmpl", "katas/{id}/kata.json"},
		{"README.md.tmpl", "katas/{id}/README.md"},
		{"hints.md.tmpl", "katas/{id}/hints.md"},
		{"solution.go.tmpl", "solutions/{id}/{file}"},
		{"EXPLANATION.md.tmpl", "solutions/{id}/EXPLANATION.md"},
		{"wrong.go.tmpl", "solutions/{id}/testdata/wrong/sleep-between-starts/{file}"},
		{"WHY-wrong.md.tmpl", "solutions/{id}/testdata/wrong/sleep-between-starts/WHY.md"},
		{"alt.go.tmpl", "solutions/{id}/testdata/alt/atomic-counter/{file}"},
		{"WHY-alt.md.tmpl", "solutions/{id}/testdata/alt/atomic-counter/WHY.md"},
		{"case-wrong.json.tmpl", "solutions/{id}/testdata/wrong/sleep-between-starts/case.json"},
		{"case-alt.json.tmpl", "solutions/{id}/testdata/alt/atomic-counter/case.json"},
		{"chapter.md.tmpl", "book/{id}.md"},
	}
	var written []string
	write := func(rel string, content []byte) error {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("new kata: %w", err)
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			return fmt.Errorf("new kata: %w", err)
		}
		written = append(written, rel)
		return nil
	}
	for _, f := range files {
		content, err := render(f.tmpl, d)
		if err != nil {
			return written, err
		}
		rel := strings.NewReplacer("{id}", id, "{file}", d.File).Replace(f.to)
		if err := write(rel, content); err != nil {
			return written, err
		}
	}
	return written, nil
}

// render fills one template.
func render(name string, d data) ([]byte, error) {
	t, err := template.ParseFS(templates, "template/"+name)
	if err != nil {
		return nil, fmt.Errorf("new kata: template %s: %w", name, err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, d); err != nil {
		return nil, fmt.Errorf("new kata: template %s: %w", name, err)
	}
	return b.Bytes(), nil
}

// lineOf is the 1-based line of the first line of src containing s.
func lineOf(src []byte, s string) int {
	for i, l := range strings.Split(string(src), "\n") {
		if strings.Contains(l, s) {
			return i + 1
		}
	}
	return 1
}
