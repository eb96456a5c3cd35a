package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReset restores the originals from each place they can come from (git
// HEAD, the snapshot taken on the first run) and backs up the learner's files.
func TestReset(t *testing.T) {
	defer noLeaks(t)
	const edit = "// the learner was here\n"
	tests := []struct {
		name      string
		git       bool // the workbook is a git clone
		ranBefore bool // the runner ran (and snapshotted) before the edit
		edit      []string
		args      []string
		code      int
		stdout    []string
		stderr    []string
		backups   int
		deleted   string // a learner file deleted before the reset
	}{
		{name: "git clone, edited before the first run", git: true, edit: []string{"01-wg-ordering/prices.go"}, args: []string{"reset", "01", "--yes"},
			stdout: []string{"01-wg-ordering reset: 1 file put back; your version is in"}, backups: 1},
		{name: "no git, snapshot", ranBefore: true, edit: []string{"01-wg-ordering/prices.go"}, args: []string{"reset", "--yes", "wg-ordering"},
			stdout: []string{"01-wg-ordering reset: 1 file put back; your version is in"}, backups: 1},
		{name: "no git, no snapshot", edit: []string{"01-wg-ordering/prices.go"}, args: []string{"reset", "01", "--yes"},
			code: 1, stderr: []string{"its shipped version was found nowhere", "fresh copy of the workbook"}},
		{name: "already as shipped", args: []string{"reset", "01", "--yes"}, stdout: []string{"01-wg-ordering was already as shipped"}},
		{name: "all", ranBefore: true, edit: []string{"01-wg-ordering/prices.go", "02-unclosed-body/checker.go"}, args: []string{"reset", "--all", "--yes"},
			stdout: []string{"01-wg-ordering reset: 1 file put back; your version is in", "02-unclosed-body reset: 1 file put back; your version is in"}, backups: 2},
		{name: "deleted file, nothing to back up", git: true, deleted: "01-wg-ordering/prices.go", args: []string{"reset", "01", "--yes"},
			stdout: []string{"01-wg-ordering reset: 1 file put back; there was nothing of yours to back up"}},
		{name: "off a terminal without --yes", edit: []string{"01-wg-ordering/prices.go"}, args: []string{"reset", "01"}, code: 1, stderr: []string{"pass --yes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			if tt.git {
				gitCommitAll(t, h.root)
			}
			if tt.ranBefore {
				_, _, code := h.run(t, "", nil, "list")
				require.Equal(t, 0, code)
			}
			originals := map[string][]byte{}
			for _, f := range tt.edit {
				p := filepath.Join(h.root, "katas", f)
				data, err := os.ReadFile(p)
				require.NoError(t, err)
				originals[p] = data
				require.NoError(t, os.WriteFile(p, append(data, edit...), 0o644))
			}
			if tt.deleted != "" {
				require.NoError(t, os.Remove(filepath.Join(h.root, "katas", tt.deleted)))
			}
			out, errOut, code := h.run(t, "", nil, tt.args...)
			assert.Equal(t, tt.code, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			for _, s := range tt.stdout {
				assert.Contains(t, out, s)
			}
			for _, s := range tt.stderr {
				assert.Contains(t, flat(errOut), flat(s))
			}
			if tt.code == 0 {
				for p, want := range originals {
					got, err := os.ReadFile(p)
					require.NoError(t, err)
					assert.Equal(t, string(want), string(got), "%s is restored", p)
				}
			}
			backups, _ := filepath.Glob(filepath.Join(h.state, "backups", "*", "*", "*.go"))
			assert.Len(t, backups, tt.backups)
			for _, b := range backups {
				data, err := os.ReadFile(b)
				require.NoError(t, err)
				assert.Contains(t, string(data), edit, "the learner's version is kept")
			}
		})
	}
}

// TestResetTwiceKeepsBothBackups: two resets within a second keep both
// backups.
func TestResetTwiceKeepsBothBackups(t *testing.T) {
	defer noLeaks(t)
	h := newHarness(t)
	_, _, code := h.run(t, "", nil, "list") // snapshots the originals
	require.Equal(t, 0, code)
	p := filepath.Join(h.root, "katas/01-wg-ordering/prices.go")
	orig, err := os.ReadFile(p)
	require.NoError(t, err)
	for _, mark := range []string{"// first\n", "// second\n"} {
		require.NoError(t, os.WriteFile(p, append(orig, mark...), 0o644))
		_, errOut, code := h.run(t, "", nil, "reset", "01", "--yes")
		require.Equal(t, 0, code, errOut)
	}
	backups, _ := filepath.Glob(filepath.Join(h.state, "backups", "*", "01-wg-ordering", "prices.go"))
	assert.Len(t, backups, 2)
}

// gitCommitAll makes root a git repository with everything committed.
func gitCommitAll(t *testing.T, root string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	for _, args := range [][]string{
		{"init", "-q"},
		{"add", "."},
		{"-c", "user.name=kata", "-c", "user.email=kata@example.com", "-c", "commit.gpgsign=false", "commit", "-q", "-m", "workbook"},
	} {
		cmd := exec.Command("git", args...)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "git %v: %s", args, out)
	}
}
