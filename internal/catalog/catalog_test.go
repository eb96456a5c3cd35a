package catalog

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

const goodHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// writeFile creates root/rel with content, making parent folders.
func writeFile(t *testing.T, root, rel, content string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
}

// fixture builds a minimal workbook with one kata whose metadata is meta
// (a map so tests can break single fields).
func fixture(t *testing.T, meta map[string]any) string {
	t.Helper()
	root := t.TempDir()
	writeFile(t, root, "go.mod", "module example.com/wb\n")
	writeFile(t, root, "katas/01-first/a.go", "package first\n")
	writeFile(t, root, "katas/01-first/hints.md", "intro\n## One\nnudge\n## Two\nmore\n```\n## not a heading\n```\n## Three\nanswer\n")
	writeFile(t, root, "solutions/01-first/a.go", "package first\n")
	writeFile(t, root, "book/01-first.md", "# First\n")
	data, err := json.Marshal(meta)
	require.NoError(t, err)
	writeFile(t, root, "katas/01-first/kata.json", string(data))
	return root
}

func goodMeta() map[string]any {
	return map[string]any{
		"format": 1, "id": "01-first", "title": "First", "summary": "Fix it.",
		"files": []string{"a.go"}, "detectors": []string{"race", "leak"}, "minutes": 10,
		"chapter": "book/01-first.md", "originals": map[string]string{"a.go": goodHash},
	}
}

func TestLoadValid(t *testing.T) {
	defer goleak.VerifyNone(t)
	root := fixture(t, goodMeta())
	c, err := Load(root)
	require.NoError(t, err)
	require.Len(t, c.Katas, 1)
	k := c.Katas[0]
	assert.Equal(t, "01-first", k.ID)
	assert.Equal(t, 1, k.Number)
	assert.Equal(t, "first", k.Slug)
	assert.Equal(t, "katas/01-first", k.Dir)
	assert.Equal(t, "solutions/01-first", k.SolutionDir)
	assert.Equal(t, []Detector{Race, Leak}, k.Detectors)
	assert.True(t, c.HasSolutions(k))
	require.NoError(t, os.RemoveAll(filepath.Join(root, "solutions")))
	assert.False(t, c.HasSolutions(k), "a workshop copy without solutions/ still loads")

	hints, err := c.Hints(k)
	require.NoError(t, err)
	require.Len(t, hints, 3, "a ## inside a code fence is not a heading")
	assert.True(t, strings.HasPrefix(hints[0], "## One"))
	assert.Contains(t, hints[1], "## not a heading")
}

func TestLoadRejectsMalformed(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		name  string
		edit  func(m map[string]any)
		field string
	}{
		{"wrong format", func(m map[string]any) { m["format"] = 2 }, "format"},
		{"id differs from folder", func(m map[string]any) { m["id"] = "02-first" }, "id"},
		{"empty title", func(m map[string]any) { m["title"] = " " }, "title"},
		{"empty summary", func(m map[string]any) { delete(m, "summary") }, "summary"},
		{"no files", func(m map[string]any) { m["files"] = []string{} }, "files"},
		{"test file listed", func(m map[string]any) { m["files"] = []string{"a_test.go"} }, "files"},
		{"unknown detector", func(m map[string]any) { m["detectors"] = []string{"race", "vibes"} }, "detectors"},
		{"duplicate detector", func(m map[string]any) { m["detectors"] = []string{"race", "race"} }, "detectors"},
		{"no detectors", func(m map[string]any) { delete(m, "detectors") }, "detectors"},
		{"zero minutes", func(m map[string]any) { m["minutes"] = 0 }, "minutes"},
		{"missing chapter", func(m map[string]any) { m["chapter"] = "book/nope.md" }, "chapter"},
		{"missing hash", func(m map[string]any) { m["originals"] = map[string]string{} }, "originals"},
		{"bad hash", func(m map[string]any) { m["originals"] = map[string]string{"a.go": "xyz"} }, "originals"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := goodMeta()
			tt.edit(m)
			_, err := Load(fixture(t, m))
			var fe *FieldError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, "katas/01-first/kata.json", fe.File)
			assert.Equal(t, tt.field, fe.Field)
			assert.Contains(t, err.Error(), "katas/01-first/kata.json: field \""+tt.field+"\"")
		})
	}
}

func TestLoadRejectsBadJSON(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct{ name, content string }{
		{"syntax", "{"},
		{"unknown field", `{"format":1,"colour":"red"}`},
		{"wrong type", `{"format":"one"}`},
		{"a field worked out from the folder", `{"format":1,"dir":"katas/elsewhere"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := fixture(t, goodMeta())
			writeFile(t, root, "katas/01-first/kata.json", tt.content)
			_, err := Load(root)
			var fe *FieldError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, "katas/01-first/kata.json", fe.File)
		})
	}
}

func TestLoadMissingMetadata(t *testing.T) {
	defer goleak.VerifyNone(t)
	root := fixture(t, goodMeta())
	require.NoError(t, os.Remove(filepath.Join(root, "katas/01-first/kata.json")))
	_, err := Load(root)
	require.ErrorContains(t, err, "katas/01-first/kata.json: missing")
}

func TestResolve(t *testing.T) {
	defer goleak.VerifyNone(t)
	c := &Catalog{Katas: []Kata{
		{ID: "01-wg-ordering", Number: 1, Slug: "wg-ordering"},
		{ID: "02-unclosed-body", Number: 2, Slug: "unclosed-body"},
	}}
	tests := []struct{ arg, want string }{
		{"01", "01-wg-ordering"}, {"1", "01-wg-ordering"}, {"01-wg-ordering", "01-wg-ordering"},
		{"wg-ordering", "01-wg-ordering"}, {"katas/02-unclosed-body/", "02-unclosed-body"}, {" 2 ", "02-unclosed-body"},
	}
	for _, tt := range tests {
		k, err := c.Resolve(tt.arg)
		require.NoError(t, err, tt.arg)
		assert.Equal(t, tt.want, k.ID, tt.arg)
	}
	_, err := c.Resolve("7")
	require.ErrorContains(t, err, "known: 01-wg-ordering, 02-unclosed-body")
}

func TestFindRoot(t *testing.T) {
	defer goleak.VerifyNone(t)
	root := fixture(t, goodMeta())
	got, err := FindRoot(filepath.Join(root, "katas", "01-first"))
	require.NoError(t, err)
	assert.Equal(t, root, got)
	_, err = FindRoot(t.TempDir())
	assert.True(t, errors.Is(err, ErrNoRoot))
}

// TestShippedKatas loads the real katas of this repository: a malformed
// kata.json fails here with the file and field, before any runner sees it.
func TestShippedKatas(t *testing.T) {
	defer goleak.VerifyNone(t)
	root, err := FindRoot(".")
	require.NoError(t, err)
	c, err := Load(root)
	require.NoError(t, err)
	for _, k := range c.Katas {
		hints, err := c.Hints(k)
		require.NoError(t, err, k.ID)
		assert.GreaterOrEqual(t, len(hints), 3, k.ID)
		for _, f := range []string{"README.md", HintsFile} {
			assert.FileExists(t, c.Path(k.Dir, f))
		}
		assert.FileExists(t, c.Path(k.SolutionDir, ExplanationFile))
		assert.True(t, c.HasSolutions(k), "%s: every learner file needs a solution of the same name", k.ID)
	}
}

func FuzzParseHints(f *testing.F) {
	f.Add("## a\nx\n## b\n```\n## c\n```\n")
	f.Add("no headings")
	f.Fuzz(func(t *testing.T, md string) {
		for _, h := range ParseHints(md) {
			if !strings.HasPrefix(h, "## ") {
				t.Fatalf("hint does not start with a heading: %q", h)
			}
		}
	})
}

func TestLoadKeepsTheValidKatas(t *testing.T) {
	defer goleak.VerifyNone(t)
	second := func(root, id string, number int) {
		writeFile(t, root, "katas/"+id+"/a.go", "package second\n")
		m := goodMeta()
		m["id"] = id
		data, err := json.Marshal(m)
		require.NoError(t, err)
		writeFile(t, root, "katas/"+id+"/kata.json", string(data))
	}
	tests := []struct {
		name    string
		edit    func(root string)
		katas   []string
		problem string // substring of the only problem
	}{
		{"a half-written kata beside a good one", func(root string) {
			writeFile(t, root, "katas/100-team/kata.json", `{"format":1,"id":"100-team"}`)
		}, []string{"01-first"}, `katas/100-team/kata.json: field "title": is empty`},
		{"a kata folder without metadata", func(root string) {
			writeFile(t, root, "katas/100-team/a.go", "package team\n")
		}, []string{"01-first"}, "katas/100-team/kata.json: missing"},
		{"a number used twice keeps the first", func(root string) { second(root, "001-again", 1) },
			[]string{"001-again"}, "number 01 is used by 001-again too"},
		{"all good", func(root string) { second(root, "02-second", 2) }, []string{"01-first", "02-second"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := fixture(t, goodMeta())
			tt.edit(root)
			c, err := Load(root)
			require.NotNil(t, c, "the valid katas still load")
			var ids []string
			for _, k := range c.Katas {
				ids = append(ids, k.ID)
			}
			assert.Equal(t, tt.katas, ids)
			if tt.problem == "" {
				require.NoError(t, err)
				assert.Empty(t, c.Problems)
				assert.NoError(t, c.Err())
				return
			}
			require.Len(t, c.Problems, 1)
			assert.ErrorContains(t, c.Problems[0], tt.problem)
			assert.ErrorContains(t, err, tt.problem, "strict callers still fail")
			assert.Equal(t, c.Err().Error(), err.Error())
		})
	}
}

func TestLoadWithNoValidKata(t *testing.T) {
	defer goleak.VerifyNone(t)
	root := fixture(t, goodMeta())
	writeFile(t, root, "katas/01-first/kata.json", "{")
	c, err := Load(root)
	assert.Nil(t, c)
	require.ErrorContains(t, err, "katas/01-first/kata.json")
}

// TestNum: a kata's number as the commands print it, two digits at least.
func TestNum(t *testing.T) {
	defer goleak.VerifyNone(t)
	assert.Equal(t, "01", Kata{Number: 1}.Num())
	assert.Equal(t, "101", Kata{Number: 101}.Num())
}
