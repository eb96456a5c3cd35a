package workbook

import (
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
