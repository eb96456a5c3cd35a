package verify

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/diagnose"
)

func TestCauseCheck(t *testing.T) {
	defer goleak.VerifyNone(t)
	k := catalog.Kata{ID: "01-x", Dir: "katas/01-x", Causes: []catalog.Cause{
		{File: "a.go", Line: 10, Why: "the return skips Done"},
		{File: "a.go", Line: 20, Why: "the racy write"},
		{File: "a.go", Line: 30, Why: "the lost cancel"},
	}}
	runs := [][]diagnose.Finding{
		// a cause named by a finding's cause
		{{Kind: diagnose.KindLeak, Location: diagnose.Location{File: "katas/01-x/a_test.go", Line: 5},
			Causes: []diagnose.Cause{{File: "katas/01-x/a.go", Line: 10, Text: "skips Done"}}}},
		// a race's other access
		{{Kind: diagnose.KindRace, Location: diagnose.Location{File: "katas/01-x/a.go", Line: 21},
			Other: &diagnose.Location{File: "katas/01-x/a.go", Line: 20}}},
	}
	tests := []struct {
		name  string
		kind  Kind
		runs  [][]diagnose.Finding
		named string
		want  []string // problems
	}{
		{"named across runs, one missing", Buggy, runs, "2/3",
			[]string{"declared cause not named by any run: katas/01-x/a.go:30 (the lost cancel)"}},
		{"not named by one run only is fine", Buggy, append(runs, nil), "2/3",
			[]string{"declared cause not named by any run: katas/01-x/a.go:30 (the lost cancel)"}},
		{"the file is joined with the kata folder", Buggy,
			[][]diagnose.Finding{{{Kind: diagnose.KindLeak, Location: diagnose.Location{File: "a.go", Line: 10}}}}, "0/3", nil},
		{"only the buggy kata is checked", Solution, runs, "-", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cc := newCauseCheck(variant{kata: k, kind: tt.kind})
			row := Row{}
			for _, fs := range tt.runs {
				row.Runs++
				cc.see(fs)
			}
			row.causes(cc)
			assert.Equal(t, tt.named, causesNamed(row))
			if tt.want != nil {
				assert.Equal(t, tt.want, row.Problems)
			}
			if tt.kind == Buggy && tt.named == "0/3" {
				assert.Len(t, row.Problems, 3)
			}
			if tt.kind != Buggy {
				assert.Empty(t, row.Problems)
			}
		})
	}
}
