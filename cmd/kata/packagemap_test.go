package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPackageMap: CONTRIBUTING.md's map of the runner's code names every
// package under internal/ (and cmd/kata), and no package that is gone.
func TestPackageMap(t *testing.T) {
	defer noLeaks(t)
	doc, err := os.ReadFile("../../CONTRIBUTING.md")
	require.NoError(t, err)
	var mapped []string
	for _, m := range regexp.MustCompile("(?m)^\\| `((?:cmd|internal)/[^`]+)` \\|").FindAllSubmatch(doc, -1) {
		mapped = append(mapped, string(m[1]))
	}
	want := []string{"cmd/kata"}
	err = filepath.WalkDir("../../internal", func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if code, _ := filepath.Glob(filepath.Join(p, "*.go")); slices.ContainsFunc(code, isCode) {
			rel, _ := filepath.Rel("../..", p)
			want = append(want, filepath.ToSlash(rel))
		}
		return nil
	})
	require.NoError(t, err)
	// A package that only serves another package's tests (katatest's vault)
	// is mapped with that package.
	want = slices.DeleteFunc(want, func(p string) bool { return strings.HasPrefix(p, "internal/katatest/") })
	slices.Sort(want)
	slices.Sort(mapped)
	assert.Equal(t, want, mapped, "CONTRIBUTING.md's table under \"The runner's code\"")
}

// isCode reports whether a Go file is part of a package (not a test).
func isCode(name string) bool { return !strings.HasSuffix(name, "_test.go") }
