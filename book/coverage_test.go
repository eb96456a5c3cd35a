package book

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gokatas/concurrency/internal/catalog"
)

var update = flag.Bool("update", false, "rewrite generated parts of the book")

// coverageBegin and coverageEnd enclose the generated tables of coverage.md.
const (
	coverageBegin = "<!-- coverage: generated from the katas' kata.json by `go test ./book -run Coverage -update`; do not edit -->"
	coverageEnd   = "<!-- end of coverage -->"
)

// TestCoverageTable: the coverage page's tables match the katas' metadata
// (number, level, categories in the ASPLOS 2019 taxonomy, detectors).
// With -update the tables are rewritten.
func TestCoverageTable(t *testing.T) {
	c, err := catalog.Load("..")
	require.NoError(t, err)
	page, err := os.ReadFile("coverage.md")
	require.NoError(t, err)
	before, rest, ok := strings.Cut(string(page), coverageBegin)
	require.True(t, ok, "coverage.md has the begin marker")
	_, after, ok := strings.Cut(rest, coverageEnd)
	require.True(t, ok, "coverage.md has the end marker")
	want := coverageBegin + "\n" + coverageTables(c) + coverageEnd
	if *update {
		require.NoError(t, os.WriteFile("coverage.md", []byte(before+want+after), 0o644))
		return
	}
	require.Equal(t, want, coverageBegin+rest[:len(rest)-len(after)],
		"book/coverage.md is out of date: run go test ./book -run Coverage -update")
}

// coverageTables renders the kata table and the category table.
func coverageTables(c *catalog.Catalog) string {
	var b strings.Builder
	b.WriteString("\n| kata | level | categories (ASPLOS 2019) | caught by |\n|---|---|---|---|\n")
	for _, k := range c.ByLevel() {
		level := "—"
		if k.Level > 0 {
			level = fmt.Sprint(k.Level)
		}
		var dets []string
		for _, d := range k.Detectors {
			dets = append(dets, string(d))
		}
		fmt.Fprintf(&b, "| [%s · %s](%s) | %s | %s | %s |\n", fmt.Sprintf("%02d", k.Number), k.Title,
			strings.TrimPrefix(k.Chapter, "book/"), level, strings.Join(k.Categories, ", "), strings.Join(dets, ", "))
	}
	b.WriteString("\n| category | katas |\n|---|---|\n")
	for _, cat := range catalog.KnownCategories() {
		var ks []string
		for _, k := range c.Katas {
			for _, kc := range k.Categories {
				if kc == cat {
					ks = append(ks, fmt.Sprintf("%02d", k.Number))
				}
			}
		}
		list := strings.Join(ks, ", ")
		if list == "" {
			list = "not yet"
		}
		fmt.Fprintf(&b, "| %s | %s |\n", cat, list)
	}
	b.WriteString("\n")
	return b.String()
}

// TestSummaryListsEveryPage: the contents link every kata's chapter (with
// `kata book NN`) and every other page of the book (with `kata book NAME`),
// and nothing that does not exist.
func TestSummaryListsEveryPage(t *testing.T) {
	c, err := catalog.Load("..")
	require.NoError(t, err)
	summary, err := os.ReadFile("SUMMARY.md")
	require.NoError(t, err)
	s := string(summary)
	chapters := map[string]bool{}
	for _, k := range c.Katas {
		page := strings.TrimPrefix(k.Chapter, "book/")
		chapters[page] = true
		require.Contains(t, s, "("+page+") — `kata book "+fmt.Sprintf("%02d", k.Number)+"`", "SUMMARY.md lists kata %s", k.ID)
	}
	pages, err := filepath.Glob("*.md")
	require.NoError(t, err)
	for _, p := range pages {
		if p == "SUMMARY.md" || chapters[p] {
			continue
		}
		require.Contains(t, s, "("+p+") — `kata book "+strings.TrimSuffix(p, ".md")+"`", "SUMMARY.md lists %s by name", p)
	}
	for _, m := range regexp.MustCompile(`\]\(([^)]+)\)`).FindAllStringSubmatch(s, -1) {
		_, err := os.Stat(m[1])
		require.NoError(t, err, "SUMMARY.md links %s", m[1])
	}
}
