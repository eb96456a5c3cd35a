package toolchain

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestProbeThisMachine(t *testing.T) {
	defer goleak.VerifyNone(t)
	info, err := Probe(context.Background(), "")
	require.NoError(t, err)
	assert.True(t, info.VersionOK(), info.GoVersion)
	assert.NotEmpty(t, info.GOOS)
}

func TestNoGo(t *testing.T) {
	defer goleak.VerifyNone(t)
	_, err := Probe(context.Background(), filepath.Join(t.TempDir(), "go"))
	require.ErrorIs(t, err, ErrNoGo)
}

func TestProblems(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		name  string
		info  Info
		fatal bool
		want  []string // substrings of the problems, in order
	}{
		{"all good", Info{GoVersion: "go1.26.8", CgoEnabled: true, CCPath: "/usr/bin/gcc", GOOS: "linux"}, false, nil},
		{"old go", Info{GoVersion: "go1.24.3", CgoEnabled: true, CCPath: "/usr/bin/gcc"}, true, []string{"too old"}},
		{"devel go", Info{GoVersion: "devel go1.27-abc", CgoEnabled: true, CCPath: "/x"}, false, nil},
		{"no cgo", Info{GoVersion: "go1.25.0", CCPath: "/x"}, false, []string{"CGO_ENABLED=0"}},
		{"no compiler on linux", Info{GoVersion: "go1.25.0", CgoEnabled: true, CC: "gcc", GOOS: "linux"}, false, []string{"no C compiler"}},
		{"no compiler and no cgo on macOS: -race needs neither", Info{GoVersion: "go1.25.0", CC: "clang", GOOS: "darwin"}, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := tt.info.Problems()
			require.Len(t, ps, len(tt.want))
			for i, w := range tt.want {
				assert.Contains(t, ps[i].What, w)
				assert.Equal(t, tt.fatal && i == 0, ps[i].Fatal)
			}
			assert.Equal(t, len(ps) == 0 || ps[0].Fatal, tt.info.RaceOK() || len(ps) > 0 && ps[0].Fatal)
		})
	}
	assert.Contains(t, Info{GOOS: "linux"}.Problems()[2].Fix, "apt-get install gcc")
	assert.Contains(t, Info{GOOS: "windows"}.Problems()[2].Fix, "WSL")
}
