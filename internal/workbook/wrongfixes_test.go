package workbook

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gokatas/concurrency/internal/catalog"
)

// TestWrongFixes: every wrong case of a kata is a section, headed by its
// summary, with its WHY.md below (its own headings demoted).
func TestWrongFixes(t *testing.T) {
	root := t.TempDir()
	write := func(rel, content string) { writeTestFile(t, root, rel, content) }
	write("go.mod", "module example.com/w\n\ngo 1.25\n")
	write("book/01-a.md", "# A\n")
	write("katas/01-a/a.go", "package a\n")
	write("katas/01-a/hints.md", "## 1\n## 2\n## 3\n")
	write("katas/01-a/kata.json", `{"format":1,"id":"01-a","title":"A","summary":"A.","files":["a.go"],"detectors":["race"],"minutes":1,"chapter":"book/01-a.md","originals":{"a.go":"`+catalog.Hash([]byte("package a\n"))+`"}}`)
	write("solutions/01-a/a.go", "package a\n")
	write("solutions/01-a/testdata/wrong/sleep/a.go", "package a\n")
	write("solutions/01-a/testdata/wrong/sleep/WHY.md", "# Sleep\n\nSleeping orders nothing.\n")
	write("solutions/01-a/testdata/wrong/sleep/case.json", `{"format":1,"summary":"a sleep before Wait","rejected_by":["race"]}`)
	c, err := catalog.Load(root)
	require.NoError(t, err)
	w := &Workbook{Catalog: c}
	md, err := w.WrongFixes(c.Katas[0])
	require.NoError(t, err)
	assert.Contains(t, md, "# Fixes that look right and are not, and why")
	assert.Contains(t, md, "## A sleep before Wait\n\n### Sleep\n\nSleeping orders nothing.")
}

// writeTestFile creates root/rel with content, making parent folders.
func writeTestFile(t *testing.T, root, rel, content string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
}

// TestOpenSaysWhatAnUpdateChanged: a workbook update that ships a new
// version of a file the learner is editing keeps their file and says so,
// with how to start over; nothing is said when nothing changed.
func TestOpenSaysWhatAnUpdateChanged(t *testing.T) {
	root, state := t.TempDir(), t.TempDir()
	write := func(rel, content string) { writeTestFile(t, root, rel, content) }
	meta := func(shipped string) string {
		return `{"format":1,"id":"01-a","title":"A","summary":"A.","files":["a.go"],"detectors":["race"],"minutes":1,"chapter":"book/01-a.md","originals":{"a.go":"` + catalog.Hash([]byte(shipped)) + `"}}`
	}
	write("go.mod", "module example.com/w\n\ngo 1.25\n")
	write("book/01-a.md", "# A\n")
	write("katas/01-a/hints.md", "## 1\n## 2\n## 3\n")
	write("katas/01-a/a.go", "package a // v1\n")
	write("katas/01-a/kata.json", meta("package a // v1\n"))
	var warnings []string
	warn := func(m string) { warnings = append(warnings, m) }
	_, err := Open(root, state, warn)
	require.NoError(t, err)
	assert.Empty(t, warnings)

	write("katas/01-a/a.go", "package a // mine\n")          // the learner edits
	write("katas/01-a/kata.json", meta("package a // v2\n")) // the update ships v2
	_, err = Open(root, state, warn)
	require.NoError(t, err)
	require.Len(t, warnings, 1)
	assert.Contains(t, warnings[0], "changed in this version of the workbook; your edits are kept")
	mine, err := os.ReadFile(filepath.Join(root, "katas/01-a/a.go"))
	require.NoError(t, err)
	assert.Equal(t, "package a // mine\n", string(mine))
}
