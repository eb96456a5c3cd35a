package vetsubset

import (
	"context"
	"testing"
)

func TestCompilesAndRuns(t *testing.T) {
	_ = Snapshot(Counter{})
	_ = Deadline(context.Background())
	RunAll(nil)
}
