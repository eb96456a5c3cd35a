package diagnose

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// fixtureOptions are the options a fixture was captured under: paths were
// normalised to $ROOT.
func fixtureOptions(name string) Options {
	o := Options{Root: "$ROOT", Module: "github.com/gokatas/concurrency"}
	switch {
	case strings.HasPrefix(name, "pkg-"):
		o.KataDir = "internal/diagnose/testdata/pkgs/" + strings.TrimPrefix(name, "pkg-")
	case strings.HasPrefix(name, "01-"):
		o.KataDir = "katas/01-wg-ordering"
	case strings.HasPrefix(name, "04-"):
		o.KataDir = "katas/04-mutex-defer"
	case strings.HasPrefix(name, "05-"):
		o.KataDir = "katas/05-gomaxprocs"
	}
	return o
}

func diagnoseFixture(t *testing.T, name string) Result {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name+".json"))
	require.NoError(t, err)
	defer f.Close()
	r, err := Stream(f, fixtureOptions(name))
	require.NoError(t, err)
	return r
}

// TestGolden compares the whole diagnosis of every captured fixture with
// its golden file; run with -update after a deliberate change.
func TestGolden(t *testing.T) {
	defer goleak.VerifyNone(t)
	files, err := filepath.Glob("testdata/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			got, err := json.MarshalIndent(diagnoseFixture(t, name), "", "  ")
			require.NoError(t, err)
			golden := filepath.Join("testdata", "golden", name+".golden")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(golden), 0o755))
				require.NoError(t, os.WriteFile(golden, append(got, '\n'), 0o644))
				return
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			assert.Equal(t, string(want), string(got)+"\n")
		})
	}
}

// short writes a finding as "kind file:line" for the table tests.
func short(f Finding) string { return fmt.Sprintf("%s %s:%d", f.Kind, f.File, f.Line) }
