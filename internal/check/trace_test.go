package check

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestTrace: a traced run gives the same verdict as a check would and a
// timeline of the fixture kata's goroutines, the ones left blocked flagged;
// with keep, the raw trace stays for go tool trace.
func TestTrace(t *testing.T) {
	defer goleak.VerifyNone(t)
	c, k := workbook(t)
	keep := filepath.Join(t.TempDir(), "run.trace")
	tr, err := (&Runner{Root: c.Root, Race: true}).Trace(context.Background(), k, TraceOptions{Keep: keep})
	require.NoError(t, err)
	assert.Equal(t, Failing, tr.Verdict.Outcome)
	require.NotNil(t, tr.Timeline)
	assert.NotEmpty(t, tr.Timeline.Goroutines, "the jobs' goroutines are lanes")
	var leaked int
	for _, g := range tr.Timeline.Goroutines {
		if g.Leaked {
			leaked++
			last := g.Intervals[len(g.Intervals)-1]
			assert.Equal(t, "channel send", last.Reason)
			assert.Equal(t, "counter.go", last.File)
		}
	}
	assert.Positive(t, leaked, "the senders nobody receives from are left blocked")
	assert.Equal(t, keep, tr.TraceFile)
	_, err = os.Stat(keep)
	assert.NoError(t, err)
}
