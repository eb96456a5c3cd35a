package check

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOverlayFS: the diagnosis reads the code the build compiled: a
// replaced file's replacement, and a file the working tree lacks.
func TestOverlayFS(t *testing.T) {
	root, other := t.TempDir(), t.TempDir()
	write := func(p, s string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(s), 0o644))
	}
	write(filepath.Join(root, "k", "a.go"), "mine")
	write(filepath.Join(other, "a.go"), "shipped a")
	write(filepath.Join(other, "b.go"), "shipped b")
	o := overlayFS{base: os.DirFS(root), files: map[string]string{
		"k/a.go": filepath.Join(other, "a.go"),
		"k/b.go": filepath.Join(other, "b.go"), // deleted by the learner
	}}
	a, err := fs.ReadFile(o, "k/a.go")
	require.NoError(t, err)
	assert.Equal(t, "shipped a", string(a))
	entries, err := fs.ReadDir(o, "k")
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.ElementsMatch(t, []string{"a.go", "b.go"}, names)
	b, err := fs.ReadFile(o, "k/b.go")
	require.NoError(t, err)
	assert.Equal(t, "shipped b", string(b))
}
