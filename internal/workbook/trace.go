package workbook

import (
	"context"
	"fmt"
	"os"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/check"
)

// Trace runs k's tests once with the execution tracer (check.Runner.Trace):
// on the learner's files, or, with shipped, on the kata as shipped whatever
// the learner did to it (ShippedOverlay), for the app's buggy-versus-fixed
// timeline.
func (w *Workbook) Trace(ctx context.Context, r *check.Runner, k catalog.Kata, shipped bool, o check.TraceOptions) (check.Traced, error) {
	if shipped {
		dir, err := os.MkdirTemp("", "kata-shipped-")
		if err != nil {
			return check.Traced{}, fmt.Errorf("trace: %w", err)
		}
		defer os.RemoveAll(dir)
		if o.Overlay, _, err = ShippedOverlay(ctx, w.Catalog, k, w.StateDir, dir); err != nil {
			return check.Traced{}, fmt.Errorf("trace: %w", err)
		}
	}
	return r.Trace(ctx, k, o)
}
