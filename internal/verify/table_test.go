package verify

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/diagnose"
)

func TestWriteTable(t *testing.T) {
	defer goleak.VerifyNone(t)
	rep := Report{Schema: Schema, Passed: 1, Failed: 1, Shipped: Plan{Runs: 1, Procs: []int{1, 2, 4}}, Cases: Plan{Runs: 1, Procs: []int{2}},
		Duration: 90 * time.Second, Rows: []Row{
			{Kata: "01-x", Variant: "buggy", Kind: Buggy, Expected: "fail: race", OK: true, Runs: 2, RunsOK: 2, Cells: []Cell{
				{Procs: 1, Runs: 1, Kinds: map[diagnose.Kind]int{diagnose.KindRace: 1, diagnose.KindLeak: 1}},
				{Procs: 4, Runs: 1, Kinds: map[diagnose.Kind]int{diagnose.KindRace: 1}},
			}, Causes: []CauseCheck{{File: "katas/01-x/a.go", Line: 3, Runs: 2}, {File: "katas/01-x/a.go", Line: 9}}},
			{Kata: "01-x", Variant: "wrong/sleep", Kind: Wrong, Expected: "rejected: race", Runs: 1, Cells: []Cell{
				{Procs: 2, Runs: 1, Flips: 1, Kinds: map[diagnose.Kind]int{}},
			}, Problems: []string{"GOMAXPROCS=2 run 1: the wrong fix was accepted (solved)"}},
		}}
	var b strings.Builder
	rep.WriteTable(&b)
	out := b.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	assert.Regexp(t, `^KATA\s+VARIANT\s+EXPECTED\s+P=1\s+P=2\s+P=4\s+FLIPS\s+KINDS SEEN\s+CAUSES\s+VERDICT\s+TIME$`, lines[0])
	assert.Regexp(t, `^01-x\s+buggy\s+fail: race\s+1/1\s+-\s+1/1\s+0\s+leak×1 race\s+1/2\s+ok\s+0s$`, lines[1])
	assert.Regexp(t, `^01-x\s+wrong/sleep\s+rejected: race\s+-\s+0/1\s+-\s+1\s+-\s+-\s+FAILED\s+0s$`, lines[2])
	assert.Contains(t, out, "01-x wrong/sleep: GOMAXPROCS=2 run 1: the wrong fix was accepted (solved)")
	assert.Contains(t, out, "verify took 1m30s")
	assert.Equal(t, "1 passed, 1 failed", lines[len(lines)-1])
}

// TestCatalogueNotes: a kata whose catalogue is smaller than the contract
// asks is named in a note (not a failure: a new kata starts that way), and
// only when the self-check covers both kinds of case.
func TestCatalogueNotes(t *testing.T) {
	defer goleak.VerifyNone(t)
	c, err := catalog.Load(filepath.Join("..", "check", "testdata", "workbook"))
	require.NoError(t, err)
	require.NotEmpty(t, c.Katas)
	tests := []struct {
		name  string
		kinds []Kind
		notes int
	}{
		{name: "every kind", kinds: []Kind{Buggy, Solution, Wrong, Alt}, notes: len(c.Katas)},
		{name: "only the shipped kata", kinds: []Kind{Buggy}, notes: 0},
		{name: "only wrong fixes", kinds: []Kind{Wrong}, notes: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			notes := catalogueNotes(Options{Catalog: c, Katas: c.Katas, Kinds: tt.kinds})
			assert.Len(t, notes, tt.notes)
			for _, n := range notes {
				assert.Contains(t, n, "a kata needs at least 8 and 3 (docs/authoring.md)")
			}
		})
	}
	var b strings.Builder
	Report{Notes: []string{"01-x's catalogue has 1 wrong and 1 alternative fixes"}}.WriteTable(&b)
	assert.Contains(t, b.String(), "note: 01-x's catalogue has 1 wrong and 1 alternative fixes\n")
}

// TestShippedCataloguesMeetTheContract: every kata the workbook ships (two-
// digit numbers; a team's own katas, from 101, are its authors' business)
// has the catalogue the kata contract asks for, so no note is printed for it.
func TestShippedCataloguesMeetTheContract(t *testing.T) {
	defer goleak.VerifyNone(t)
	root, err := catalog.FindRoot(".")
	require.NoError(t, err)
	c, err := catalog.Load(root)
	require.NoError(t, err)
	var shipped []catalog.Kata
	for _, k := range c.Katas {
		if k.Number < 100 {
			shipped = append(shipped, k)
		}
	}
	require.NotEmpty(t, shipped)
	assert.Empty(t, catalogueNotes(Options{Catalog: c, Katas: shipped, Kinds: []Kind{Wrong, Alt}}))
}
