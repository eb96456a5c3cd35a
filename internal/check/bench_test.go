package check

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/catalog"
)

// BenchmarkSolvedKata compares one check of a solved kata (kata 01 with its
// solution overlaid: tests under -race, go vet alongside, the diagnosis)
// with the go test command a learner would type. It reports, it does not
// assert: run it with -bench Solved -benchtime 5x.
func BenchmarkSolvedKata(b *testing.B) {
	defer goleak.VerifyNone(b, goleak.IgnoreCurrent())
	root, err := catalog.FindRoot(".")
	if err != nil {
		b.Fatal(err)
	}
	c, err := catalog.Load(root)
	if err != nil {
		b.Fatal(err)
	}
	k, err := c.Resolve("01")
	if err != nil {
		b.Fatal(err)
	}
	overlay := map[string]string{}
	for _, f := range k.Files {
		overlay[c.Path(k.Dir, f)] = c.Path(k.SolutionDir, f)
	}
	data, err := json.Marshal(map[string]any{"Replace": overlay})
	if err != nil {
		b.Fatal(err)
	}
	overlayFile := filepath.Join(b.TempDir(), "overlay.json")
	if err := os.WriteFile(overlayFile, data, 0o644); err != nil {
		b.Fatal(err)
	}

	b.Run("check", func(b *testing.B) {
		r := &Runner{Root: root, Race: true, Overlay: overlay}
		for b.Loop() {
			v, err := r.Run(context.Background(), k, nil)
			if err != nil || v.Outcome != Solved {
				b.Fatalf("%s %v: %+v", v.Outcome, err, v.Findings)
			}
		}
	})
	raw := func(extraEnv ...string) func(b *testing.B) {
		return func(b *testing.B) {
			for b.Loop() {
				cmd := exec.Command("go", "test", "-race", "-count=1", "-overlay="+overlayFile, "./"+k.Dir)
				cmd.Dir = root
				cmd.Env = append(os.Environ(), extraEnv...)
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("%v\n%s", err, out)
				}
			}
		}
	}
	b.Run("raw go test -race", raw())
	b.Run("raw go test -race, GORACE=atexit_sleep_ms=0", raw("GORACE=atexit_sleep_ms=0"))
}
