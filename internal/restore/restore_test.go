package restore

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/pristine"
)

const shipped = "package a\n\n// A is shipped.\nfunc A() {}\n"

// workbook writes a one-kata workbook (no git) and returns its catalog.
func workbook(t *testing.T) *catalog.Catalog {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"go.mod":          "module example.com/wb\n\ngo 1.25\n",
		"book/01-a.md":    "# 01\n",
		"katas/01-a/a.go": shipped,
		"katas/01-a/kata.json": `{"format": 1, "id": "01-a", "title": "A", "summary": "A kata.", "files": ["a.go"],
  "detectors": ["race"], "minutes": 5, "chapter": "book/01-a.md", "originals": {"a.go": "` + catalog.Hash([]byte(shipped)) + `"}}`,
	}
	for rel, content := range files {
		p := filepath.Join(root, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	c, err := catalog.Load(root)
	require.NoError(t, err)
	return c
}

func TestKata(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		name     string
		working  *string // nil: the file is deleted
		snapshot bool
		restored []string
		backup   *string // what the backup holds; nil: no backup
		err      string
	}{
		{name: "edited", working: ptr("package a // mine\n"), snapshot: true, restored: []string{"a.go"}, backup: ptr("package a // mine\n")},
		{name: "deleted", working: nil, snapshot: true, restored: []string{"a.go"}},
		{name: "as shipped", working: ptr(shipped), snapshot: true},
		{name: "no original anywhere", working: ptr("package a // mine\n"), err: "its shipped version was found nowhere"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := workbook(t)
			state := t.TempDir()
			if tt.snapshot {
				require.NoError(t, pristine.Snapshot(c, state))
			}
			file := c.Path("katas/01-a/a.go")
			if tt.working == nil {
				require.NoError(t, os.Remove(file))
			} else {
				require.NoError(t, os.WriteFile(file, []byte(*tt.working), 0o644))
			}
			backup := NewBackupDir(state, time.Now())
			got, err := Kata(context.Background(), c, c.Katas[0], state, backup)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.restored, got)
			now, err := os.ReadFile(file)
			require.NoError(t, err)
			assert.Equal(t, shipped, string(now))
			saved, err := os.ReadFile(filepath.Join(backup, "01-a", "a.go"))
			if tt.backup == nil {
				assert.ErrorIs(t, err, os.ErrNotExist)
			} else {
				require.NoError(t, err)
				assert.Equal(t, *tt.backup, string(saved))
			}
			leftovers, _ := filepath.Glob(c.Path("katas/01-a/*kata-reset*"))
			assert.Empty(t, leftovers)
		})
	}
}

func TestNewBackupDir(t *testing.T) {
	defer goleak.VerifyNone(t)
	state := t.TempDir()
	now := time.Date(2026, 11, 23, 8, 30, 0, 0, time.Local)
	first := NewBackupDir(state, now)
	assert.Equal(t, filepath.Join(state, "backups", "20261123-083000"), first)
	require.NoError(t, os.MkdirAll(first, 0o755))
	second := NewBackupDir(state, now)
	assert.Equal(t, first+"-2", second)
	require.NoError(t, os.MkdirAll(second, 0o755))
	assert.Equal(t, first+"-3", NewBackupDir(state, now))
}

func ptr(s string) *string { return &s }
