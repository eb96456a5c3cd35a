package timeline

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// The fixtures are traces of real kata runs: `go test -race -trace` of the
// shipped kata 01 and kata 05, and of kata 05 with its official solution.
const (
	pkg01 = "github.com/gokatas/concurrency/katas/01-wg-ordering"
	pkg05 = "github.com/gokatas/concurrency/katas/05-gomaxprocs"
)

func read(t *testing.T, name, pkg string) *Timeline {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name+".trace"))
	require.NoError(t, err)
	defer f.Close()
	tl, err := Read(f, pkg)
	require.NoError(t, err)
	return tl
}

// TestLeakedWaitInCompare: on kata 01 as shipped, the goroutine running
// Compare is left blocked in WaitGroup.Wait at its line in prices.go.
func TestLeakedWaitInCompare(t *testing.T) {
	defer goleak.VerifyNone(t)
	tl := read(t, "01-buggy", pkg01)
	var leaked []Goroutine
	for _, g := range tl.Goroutines {
		if g.Leaked {
			leaked = append(leaked, g)
		}
	}
	require.Len(t, leaked, 1)
	last := leaked[0].Intervals[len(leaked[0].Intervals)-1]
	assert.Equal(t, "WaitGroup.Wait", last.Reason)
	assert.Equal(t, "prices.go", last.File)
	assert.Equal(t, 83, last.Line)
	assert.Contains(t, leaked[0].Func, "Compare")
	assert.Equal(t, 2, tl.GOMAXPROCS)
	assert.False(t, tl.Partial)
}

// TestPoolSize: kata 05 as shipped starts a goroutine per image; the
// solution keeps a pool. The difference shows in how many of the kata's
// goroutines were alive at once, and wg.Go workers are the kata's.
func TestPoolSize(t *testing.T) {
	defer goleak.VerifyNone(t)
	buggy, solved := read(t, "05-buggy", pkg05), read(t, "05-solved", pkg05)
	assert.Greater(t, buggy.MaxAlive, 2*solved.MaxAlive)
	assert.LessOrEqual(t, solved.MaxAtOnce, solved.GOMAXPROCS)
	var viaGo int
	for _, g := range solved.Goroutines {
		if strings.Contains(g.Func, "(wg.Go)") {
			viaGo++
			assert.Equal(t, "thumbs.go", g.StartFile, "a wg.Go worker starts at the learner's line")
		}
	}
	assert.Positive(t, viaGo)
}

// TestJSON: the JSON form carries the schema and the fields scripts use.
func TestJSON(t *testing.T) {
	defer goleak.VerifyNone(t)
	data, err := json.Marshal(read(t, "01-buggy", pkg01))
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(data, &doc))
	assert.EqualValues(t, Schema, doc["schema"])
	for _, k := range []string{"duration_ns", "gomaxprocs", "max_at_once", "max_alive", "goroutines", "others"} {
		assert.Contains(t, doc, k)
	}
}

// TestRenderGolden: the timeline at 80x24 and 120x40, whole and zoomed,
// fits the screen and matches the golden files.
func TestRenderGolden(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		fixture, pkg string
		w, h         int
		zoom         float64
	}{
		{"01-buggy", pkg01, 80, 24, 1},
		{"01-buggy", pkg01, 120, 40, 1},
		{"05-buggy", pkg05, 80, 24, 1},
		{"05-solved", pkg05, 80, 24, 1},
		{"05-solved", pkg05, 120, 40, 4},
	}
	for _, tt := range tests {
		name := strings.ReplaceAll(tt.fixture+"-"+itoa(tt.w)+"x"+itoa(tt.h)+"-zoom"+itoa(int(tt.zoom)), ".", "_")
		t.Run(name, func(t *testing.T) {
			tl := read(t, tt.fixture, tt.pkg)
			v := View{Width: tt.w, Height: tt.h}
			if tt.zoom != 1 {
				v = v.Zoom(tl, tt.zoom)
			}
			got := Render(tl, v)
			lines := strings.Split(got, "\n")
			assert.LessOrEqual(t, len(lines), tt.h, "fits the height")
			for _, l := range lines {
				assert.LessOrEqual(t, utf8.RuneCountInString(l), tt.w, "fits the width: %q", l)
			}
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			assert.Equal(t, string(want), got)
		})
	}
}

// TestViewStaysInside: zooming and panning never leave the trace.
func TestViewStaysInside(t *testing.T) {
	tl := read(t, "05-solved", pkg05)
	v := View{Width: 80, Height: 24}.Zoom(tl, 8)
	for range 20 {
		v = v.Pan(tl, 0.5)
	}
	from, to := v.window(tl)
	assert.Equal(t, tl.Duration, to)
	assert.Greater(t, from, tl.Duration/2)
	for range 20 {
		v = v.Zoom(tl, 0.5)
	}
	from, to = v.window(tl)
	assert.Zero(t, from)
	assert.Equal(t, tl.Duration, to)
}

// TestCutTrace: a trace cut short (the test binary was stopped) is shown as
// far as it goes and says so; a trace over the limit is refused.
func TestCutTrace(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "05-buggy.trace"))
	require.NoError(t, err)
	tl, err := Read(bytes.NewReader(data[:len(data)*2/3]), pkg05)
	require.NoError(t, err)
	assert.True(t, tl.Partial)
	assert.Contains(t, Render(tl, View{Width: 80, Height: 24}), "cut short")

	_, err = Read(bytes.NewReader([]byte("not a trace")), pkg05)
	assert.Error(t, err)
}

func itoa(n int) string { return strconv.Itoa(n) }
