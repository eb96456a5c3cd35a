package workbook

import (
	"context"
	"os"
	"path/filepath"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/pristine"
)

// ShippedOverlay is a go -overlay map that judges k as shipped whatever the
// learner changed: each learner file that differs from its original is
// replaced by the original, written under dir. notes say where originals
// not in the working tree came from (pristine.Originals).
func ShippedOverlay(ctx context.Context, c *catalog.Catalog, k catalog.Kata, stateDir, dir string) (overlay map[string]string, notes []string, err error) {
	origs, notes, err := pristine.Originals(ctx, c, k, stateDir)
	if err != nil {
		return nil, nil, err
	}
	overlay = map[string]string{}
	for f, content := range origs {
		if content == nil {
			continue // the working file is the original
		}
		p := filepath.Join(dir, k.ID, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, nil, err
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			return nil, nil, err
		}
		overlay[c.Path(k.Dir, f)] = p
	}
	return overlay, notes, nil
}
