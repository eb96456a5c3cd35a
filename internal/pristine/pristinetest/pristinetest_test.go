package pristinetest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/catalog"
)

// TestWorkbook: every learner file of a copied kata is as shipped, whatever
// the working tree holds; katas not asked for are not copied.
func TestWorkbook(t *testing.T) {
	defer goleak.VerifyNone(t)
	src, err := catalog.FindRoot(".")
	require.NoError(t, err)
	c, err := catalog.Load(src)
	require.NoError(t, err)
	k := c.Katas[0]
	root := Workbook(t, "go.mod", "book", k.Dir)

	for _, f := range k.Files {
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(k.Dir), f))
		require.NoError(t, err)
		assert.Equal(t, k.Originals[f], catalog.Hash(data), "%s is as shipped", f)
	}
	copied, err := catalog.Load(root)
	require.NoError(t, err, "the copy is a workbook")
	assert.Len(t, copied.Katas, 1)
	_, err = os.Stat(filepath.Join(root, "solutions"))
	assert.ErrorIs(t, err, os.ErrNotExist, "only the paths asked for")
}
