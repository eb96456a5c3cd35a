package testjson

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func decodeAll(t *testing.T, in string) []Event {
	t.Helper()
	d := NewDecoder(strings.NewReader(in))
	var out []Event
	for {
		ev, err := d.Next()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		out = append(out, ev)
	}
}

func TestDecode(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		name string
		in   string
		want []Event
	}{
		{
			name: "events",
			in: `{"Action":"run","Package":"p","Test":"TestA"}` + "\n" +
				`{"Action":"output","Package":"p","Test":"TestA","Output":"hi\n"}` + "\n" +
				`{"Action":"fail","Package":"p","Elapsed":0.5}` + "\n",
			want: []Event{
				{Action: "run", Package: "p", Test: "TestA"},
				{Action: "output", Package: "p", Test: "TestA", Output: "hi\n"},
				{Action: "fail", Package: "p", Elapsed: 0.5},
			},
		},
		{
			name: "build output and plain lines",
			in: "# p\n" + `{"ImportPath":"p","Action":"build-output","Output":"x.go:1:1: bad\n"}` + "\n" +
				"\n" + "not json {\n" + `{"Action":"fail","Package":"p","FailedBuild":"p"}`,
			want: []Event{
				{Action: "output", Output: "# p\n"},
				{Action: "build-output", ImportPath: "p", Output: "x.go:1:1: bad\n"},
				{Action: "output", Output: "not json {\n"},
				{Action: "fail", Package: "p", FailedBuild: "p"},
			},
		},
		{
			name: "truncated JSON becomes output",
			in:   `{"Action":"output","Package":"p","Out`,
			want: []Event{{Action: "output", Output: `{"Action":"output","Package":"p","Out` + "\n"}},
		},
		{name: "empty", in: "", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, decodeAll(t, tt.in))
		})
	}
}

func TestHugeLineIsCut(t *testing.T) {
	defer goleak.VerifyNone(t)
	in := strings.Repeat("x", 3*MaxLine) + "\nend\n"
	evs := decodeAll(t, in)
	require.Len(t, evs, 2)
	assert.Len(t, evs[0].Output, MaxLine+1)
	assert.Equal(t, "end\n", evs[1].Output)
}

func BenchmarkDecode50MB(b *testing.B) {
	line := `{"Time":"2026-11-23T06:00:00Z","Action":"output","Package":"example.com/p","Test":"TestX","Output":"    prices_test.go:42: some output line of a fairly typical length\n"}` + "\n"
	data := bytes.Repeat([]byte(line), 50<<20/len(line))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		d := NewDecoder(bytes.NewReader(data))
		for {
			if _, err := d.Next(); err != nil {
				break
			}
		}
	}
}

func FuzzDecoder(f *testing.F) {
	f.Add(`{"Action":"run","Test":"T"}` + "\nplain\n")
	f.Add("{\n}\n{\"Action\":\"\"}")
	f.Fuzz(func(t *testing.T, in string) {
		d := NewDecoder(strings.NewReader(in))
		for range len(in) + 1 {
			ev, err := d.Next()
			if err != nil {
				return
			}
			if ev.Action == "" {
				t.Fatalf("event without an action from %q", in)
			}
		}
		t.Fatalf("more events than lines in %q", in)
	})
}

// TestParseFixtures: every line of the real captured streams decodes to an
// event with an action, and the JSON lines to exactly what they hold.
func TestParseFixtures(t *testing.T) {
	defer goleak.VerifyNone(t)
	files, err := filepath.Glob("../diagnose/testdata/*.json")
	require.NoError(t, err)
	events := 0
	for _, file := range files {
		b, err := os.ReadFile(file)
		require.NoError(t, err)
		for line := range bytes.Lines(b) {
			line = bytes.TrimRight(line, "\n")
			ev := Parse(line)
			require.NotEmpty(t, ev.Action, "%s", line)
			var std Event
			if json.Unmarshal(line, &std) == nil && std.Action != "" {
				events++
				assert.Equal(t, std, ev)
			}
		}
	}
	assert.Greater(t, events, 1000, "real test2json lines")
}
