package workbook

import (
	"github.com/aymanbagabas/go-udiff"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMinimalDiff: a comment inserted above a kept line and a moved line
// show as exactly those changes, never as the kept line removed and added.
func TestMinimalDiff(t *testing.T) {
	mine := "func f() {\n\tvar wg sync.WaitGroup\n\tfor range 3 {\n\t\tgo func() {\n\t\t\twg.Add(1)\n\t\t}()\n\t}\n}\n"
	sol := "func f() {\n\t// wg counts the workers.\n\tvar wg sync.WaitGroup\n\tfor range 3 {\n\t\twg.Add(1)\n\t\tgo func() {\n\t\t}()\n\t}\n}\n"
	d, err := minimalDiff("yours", "solution", mine, sol)
	require.NoError(t, err)
	assert.Contains(t, d, "+\t// wg counts the workers.\n \tvar wg sync.WaitGroup\n")
	assert.NotContains(t, d, "-\tvar wg sync.WaitGroup")
	assert.NotContains(t, d, "-func f() {")
	assert.Contains(t, d, "-\t\t\twg.Add(1)\n")
}

// TestLineEdits: applying the edits to the learner's file gives the
// solution, whatever changed (lines added, removed, replaced, a last line
// without its newline, an empty side).
func TestLineEdits(t *testing.T) {
	tests := []struct{ name, from, to string }{
		{"identical", "a\nb\n", "a\nb\n"},
		{"inserted", "a\nc\n", "a\nb\nc\n"},
		{"removed", "a\nb\nc\n", "a\nc\n"},
		{"replaced", "a\nb\nc\n", "a\nx\ny\nc\n"},
		{"no final newline", "a\nb", "a\nb\n"},
		{"from empty", "", "a\n"},
		{"to empty", "a\nb\n", ""},
		{"moved", "a\nb\nc\nd\n", "b\nc\nd\na\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := udiff.Apply(tt.from, lineEdits(tt.from, tt.to))
			require.NoError(t, err)
			assert.Equal(t, tt.to, got)
		})
	}
}
