package scaffold

import (
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/pristine/pristinetest"
)

// TestID: a name alone gets the next free team number; a taken number is
// refused, naming the kata that has it; a bad name says how to spell one.
func TestID(t *testing.T) {
	defer goleak.VerifyNone(t)
	c := &catalog.Catalog{Katas: []catalog.Kata{{ID: "01-a", Number: 1}, {ID: "101-ours", Number: 101}}}
	tests := []struct{ arg, want, err string }{
		{arg: "cache-stampede", want: "102-cache-stampede"},
		{arg: "150-cache-stampede", want: "150-cache-stampede"},
		{arg: "01-clash", err: "taken by 01-a"},
		{arg: "Cache Stampede", err: "lower-case words"},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			got, err := ID(c, tt.arg)
			if tt.err != "" {
				assert.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestCreate: the scaffold is a valid kata with a catalogue, it never
// overwrites, and (not with -short) its shipped code fails its tests with a
// race while its solution and alternative pass.
func TestCreate(t *testing.T) {
	defer goleak.VerifyNone(t)
	root := pristinetest.Workbook(t, "go.mod", "go.sum", "internal/katatest")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "katas"), 0o755))
	written, err := Create(root, "101-page-visits")
	require.NoError(t, err)
	assert.Contains(t, written, "katas/101-page-visits/page_visits.go")
	_, err = Create(root, "101-page-visits")
	assert.ErrorContains(t, err, "already exists")

	c, err := catalog.Load(root)
	require.NoError(t, err)
	k, err := c.Resolve("101")
	require.NoError(t, err)
	hints, err := c.Hints(k)
	require.NoError(t, err)
	assert.Len(t, hints, 3)
	wrong, err := c.Cases(k, catalog.Wrong)
	require.NoError(t, err)
	assert.Len(t, wrong, 1)
	alt, err := c.Cases(k, catalog.Alt)
	require.NoError(t, err)
	assert.Len(t, alt, 1)
	require.Len(t, k.Causes, 1)
	src, err := os.ReadFile(c.Path(k.Dir, k.Files[0]))
	require.NoError(t, err)
	assert.Contains(t, strings.Split(string(src), "\n")[k.Causes[0].Line-1], "c.n++")
	for _, rel := range written {
		if strings.HasSuffix(rel, ".go") {
			data, err := os.ReadFile(filepath.Join(root, rel))
			require.NoError(t, err)
			formatted, err := format.Source(data)
			require.NoError(t, err, rel)
			assert.Equal(t, string(formatted), string(data), "%s is gofmt-ed", rel)
		}
	}

	if testing.Short() {
		return
	}
	run := func(overlay string) (string, error) {
		args := []string{"test", "-race", "-count=1"}
		if overlay != "" {
			o := filepath.Join(t.TempDir(), "o.json")
			require.NoError(t, os.WriteFile(o, []byte(`{"Replace":{"`+c.Path(k.Dir, k.Files[0])+`":"`+overlay+`"}}`), 0o644))
			args = append(args, "-overlay", o)
		}
		cmd := exec.Command("go", append(args, "./"+k.Dir)...)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run("")
	require.Error(t, err, "the shipped toy fails")
	assert.Contains(t, out, "WARNING: DATA RACE")
	out, err = run(c.Path(k.SolutionDir, k.Files[0]))
	assert.NoError(t, err, "the solution passes: %s", out)
	out, err = run(c.Path(alt[0].Dir, k.Files[0]))
	assert.NoError(t, err, "the alternative passes: %s", out)
	out, err = run(c.Path(wrong[0].Dir, k.Files[0]))
	require.Error(t, err, "the wrong fix fails")
	assert.Contains(t, out, "WARNING: DATA RACE")
}
