package testjson

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

// FuzzFastParse checks the fast path against encoding/json: whenever it
// accepts a line, json.Unmarshal must accept it too and give the same event.
func FuzzFastParse(f *testing.F) {
	f.Add(`{"Time":"2026-11-23T07:00:38.148034039Z","Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}`)
	f.Add(`{"Action":"pass","Package":"p","Elapsed":1.5e-3}`)
	f.Add(`{"ImportPath":"p [p.test]","Action":"build-output","Output":"\u00e9\ud83d\ude00 \"q\" \\ \/ \b\f\r\t"}`)
	f.Add(`{"Action":"fail","Package":"p","FailedBuild":"p"} `)
	f.Add(`{"action":"x"}`)
	f.Add(`{"Action":"x","Elapsed":01}`)
	f.Add(`{}`)
	f.Fuzz(func(t *testing.T, line string) {
		fast, ok := fastParse([]byte(line))
		if !ok {
			return
		}
		var std Event
		if err := json.Unmarshal([]byte(line), &std); err != nil {
			t.Fatalf("fast path accepted what encoding/json rejects (%v): %q", err, line)
		}
		if !fast.Time.Equal(std.Time) {
			t.Fatalf("time %v != %v for %q", fast.Time, std.Time, line)
		}
		fast.Time, std.Time = time.Time{}, time.Time{}
		if fast != std {
			t.Fatalf("fast %+v != std %+v for %q", fast, std, line)
		}
	})
}

func TestFastParseAgreesOnFixtures(t *testing.T) {
	defer goleak.VerifyNone(t)
	files, err := filepath.Glob("../diagnose/testdata/*.json")
	require.NoError(t, err)
	accepted := 0
	for _, file := range files {
		b, err := os.ReadFile(file)
		require.NoError(t, err)
		for line := range bytes.Lines(b) {
			line = bytes.TrimSpace(line)
			fast, ok := fastParse(line)
			var std Event
			stdErr := json.Unmarshal(line, &std)
			if !ok {
				continue
			}
			accepted++
			require.NoError(t, stdErr, "%s", line)
			assert.True(t, fast.Time.Equal(std.Time))
			fast.Time, std.Time = time.Time{}, time.Time{}
			assert.Equal(t, std, fast)
		}
	}
	assert.Greater(t, accepted, 1000, "the fast path takes real test2json lines")
}
