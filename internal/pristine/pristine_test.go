package pristine

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/catalog"
)

const shipped = "package a\n\n// F is shipped.\nfunc F() {}\n"

// workbook writes a one-kata workbook whose file a.go was shipped as
// shipped; with git, it is committed.
func workbook(t *testing.T, git bool) (*catalog.Catalog, catalog.Kata) {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"go.mod":               "module example.com/w\n\ngo 1.25\n",
		"book/01-a.md":         "# A\n",
		"katas/01-a/a.go":      shipped,
		"katas/01-a/kata.json": `{"format":1,"id":"01-a","title":"A","summary":"A.","files":["a.go"],"detectors":["race"],"minutes":1,"chapter":"book/01-a.md","originals":{"a.go":"` + catalog.Hash([]byte(shipped)) + `"}}`,
		"solutions/01-a/a.go":  shipped,
		"katas/01-a/a_test.go": "package a\n",
		"katas/01-a/hints.md":  "## 1\n## 2\n## 3\n",
	}
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	if git {
		for _, args := range [][]string{
			{"init", "-q"}, {"add", "."},
			{"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "ship"},
		} {
			out, err := exec.Command("git", append([]string{"-C", root}, args...)...).CombinedOutput()
			require.NoError(t, err, "git %v: %s", args, out)
		}
	}
	c, err := catalog.Load(root)
	require.NoError(t, err)
	return c, c.Katas[0]
}

func TestFind(t *testing.T) {
	defer goleak.VerifyNone(t)
	const edited = "package a\n\n// F is the learner's.\nfunc F() { panic(1) }\n"
	tests := []struct {
		name     string
		git      bool
		setup    func(t *testing.T, c *catalog.Catalog, k catalog.Kata, state string)
		source   Source
		errParts []string
	}{
		{name: "working file is the original", git: true, source: FromWorkingTree},
		{name: "working file is the original, outside git", source: FromWorkingTree},
		{name: "edited, from git HEAD", git: true, source: FromGitHead,
			setup: func(t *testing.T, c *catalog.Catalog, k catalog.Kata, state string) {
				write(t, c.Path(k.Dir, "a.go"), edited)
			}},
		{name: "deleted, from git HEAD", git: true, source: FromGitHead,
			setup: func(t *testing.T, c *catalog.Catalog, k catalog.Kata, state string) {
				require.NoError(t, os.Remove(c.Path(k.Dir, "a.go")))
			}},
		{name: "edited outside git, from the snapshot", source: FromSnapshot,
			setup: func(t *testing.T, c *catalog.Catalog, k catalog.Kata, state string) {
				require.NoError(t, Snapshot(c, state))
				write(t, c.Path(k.Dir, "a.go"), edited)
			}},
		{name: "edited outside git, snapshot taken too late", errParts: []string{"katas/01-a/a.go differs", "found nowhere", "set originals"},
			setup: func(t *testing.T, c *catalog.Catalog, k catalog.Kata, state string) {
				write(t, c.Path(k.Dir, "a.go"), edited)
				require.NoError(t, Snapshot(c, state)) // does not snapshot an edited file
			}},
		{name: "deleted outside git, no snapshot", errParts: []string{"katas/01-a/a.go is missing", "found nowhere"},
			setup: func(t *testing.T, c *catalog.Catalog, k catalog.Kata, state string) {
				require.NoError(t, os.Remove(c.Path(k.Dir, "a.go")))
			}},
		{name: "kata changed and rehashed, not committed yet", git: true, source: FromWorkingTree,
			setup: func(t *testing.T, c *catalog.Catalog, k catalog.Kata, state string) {
				write(t, c.Path(k.Dir, "a.go"), shipped+"\n// v2\n")
				k.Originals["a.go"] = catalog.Hash([]byte(shipped + "\n// v2\n"))
			}},
		{name: "learner committed their work, from git history", git: true, source: FromGitHistory,
			setup: func(t *testing.T, c *catalog.Catalog, k catalog.Kata, state string) {
				write(t, c.Path(k.Dir, "a.go"), edited)
				commit(t, c.Root, "mine")
				write(t, c.Path(k.Dir, "a.go"), edited+"// more\n")
				commit(t, c.Root, "more of mine")
			}},
		{name: "learner committed a deletion, from git history", git: true, source: FromGitHistory,
			setup: func(t *testing.T, c *catalog.Catalog, k catalog.Kata, state string) {
				require.NoError(t, os.Remove(c.Path(k.Dir, "a.go")))
				commit(t, c.Root, "gone")
			}},
		{name: "hash in kata.json matches no version", git: true, errParts: []string{"found nowhere", "set originals", catalog.Hash([]byte(shipped))},
			setup: func(t *testing.T, c *catalog.Catalog, k catalog.Kata, state string) {
				k.Originals["a.go"] = catalog.Hash([]byte("old"))
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, k := workbook(t, tt.git)
			state := t.TempDir()
			if tt.setup != nil {
				tt.setup(t, c, k, state)
			}
			before, _ := os.ReadFile(c.Path(k.Dir, "a.go"))
			got, err := Find(context.Background(), c, k, state)
			after, _ := os.ReadFile(c.Path(k.Dir, "a.go"))
			assert.Equal(t, before, after, "Find changes no learner file")
			if tt.errParts != nil {
				require.Error(t, err)
				for _, p := range tt.errParts {
					assert.Contains(t, err.Error(), p)
				}
				return
			}
			require.NoError(t, err)
			require.Len(t, got, 1)
			assert.Equal(t, tt.source, got[0].Source)
			assert.Equal(t, "a.go", got[0].File)
			want, _ := os.ReadFile(c.Path(k.Dir, "a.go"))
			if tt.source != FromWorkingTree {
				want = []byte(shipped)
			}
			assert.Equal(t, string(want), string(got[0].Content))

			m, notes, err := Originals(context.Background(), c, k, state)
			require.NoError(t, err)
			if tt.source == FromWorkingTree {
				assert.Nil(t, m["a.go"])
				assert.Empty(t, notes)
			} else {
				assert.Equal(t, shipped, string(m["a.go"]))
				require.Len(t, notes, 1)
				assert.Contains(t, notes[0], string(tt.source))
				assert.Contains(t, notes[0], "update the hash")
			}
		})
	}
}

func TestSnapshot(t *testing.T) {
	defer goleak.VerifyNone(t)
	c, k := workbook(t, false)
	state := t.TempDir()
	require.NoError(t, Snapshot(c, state))
	data, err := os.ReadFile(filepath.Join(state, "originals", k.ID, "a.go"))
	require.NoError(t, err)
	assert.Equal(t, shipped, string(data))

	write(t, c.Path(k.Dir, "a.go"), "package a\n")
	require.NoError(t, Snapshot(c, state), "an edited file is skipped")
	data, err = os.ReadFile(filepath.Join(state, "originals", k.ID, "a.go"))
	require.NoError(t, err)
	assert.Equal(t, shipped, string(data), "the snapshot keeps the original")
}

// TestUpdated: an update of the workbook that changes a file the learner is
// editing keeps their file and says what changed; an untouched file says nothing.
func TestUpdated(t *testing.T) {
	defer goleak.VerifyNone(t)
	c, k := workbook(t, false)
	state := t.TempDir()
	require.NoError(t, Snapshot(c, state))
	assert.Empty(t, Updated(c, k, state), "nothing changed")

	const mine = "package a\n\n// mine\n"
	write(t, c.Path(k.Dir, "a.go"), mine)
	k.Originals["a.go"] = catalog.Hash([]byte("package a // v2\n")) // the update ships a new version
	notes := Updated(c, k, state)
	require.Len(t, notes, 1)
	assert.Contains(t, notes[0], "katas/01-a/a.go changed in this version of the workbook; your edits are kept")
	assert.Contains(t, notes[0], "kata reset 01")
	data, _ := os.ReadFile(c.Path(k.Dir, "a.go"))
	assert.Equal(t, mine, string(data), "the learner's file is untouched")

	write(t, c.Path(k.Dir, "a.go"), "package a // v2\n")
	assert.Empty(t, Updated(c, k, state), "the working file is the new version")
}

// commit commits everything in the repository at root.
func commit(t *testing.T, root, msg string) {
	t.Helper()
	out, err := exec.Command("git", "-C", root, "-c", "user.name=t", "-c", "user.email=t@example.com",
		"commit", "-qam", msg).CombinedOutput()
	require.NoError(t, err, "git commit: %s", out)
}

func write(t *testing.T, p, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
}

// TestOverlay: an edited file is overlaid by its original; an untouched one
// is not overlaid at all.
func TestOverlay(t *testing.T) {
	defer goleak.VerifyNone(t)
	c, k := workbook(t, true)
	state, dir := t.TempDir(), t.TempDir()
	m, _, err := Overlay(context.Background(), c, k, state, dir)
	require.NoError(t, err)
	assert.Empty(t, m, "the working file is the original")

	write(t, c.Path(k.Dir, "a.go"), "package a // mine\n")
	m, notes, err := Overlay(context.Background(), c, k, state, dir)
	require.NoError(t, err)
	require.Contains(t, m, c.Path(k.Dir, "a.go"))
	data, err := os.ReadFile(m[c.Path(k.Dir, "a.go")])
	require.NoError(t, err)
	assert.Equal(t, shipped, string(data))
	assert.Len(t, notes, 1)
}
