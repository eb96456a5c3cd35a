package diagnose

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gokatas/concurrency/internal/testjson"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// fixtureOptions are the options a fixture was captured under: paths were
// normalised to $ROOT.
func fixtureOptions(name string) Options {
	o := Options{Root: "$ROOT", Module: "github.com/gokatas/concurrency", Source: os.DirFS("../..")}
	if st, err := os.Stat(filepath.Join("testdata", "src", name)); err == nil && st.IsDir() {
		o.Source = os.DirFS(filepath.Join("testdata", "src", name))
	} else if !strings.HasPrefix(name, "pkg-") {
		// Recorded from a kata as it was then: no causes rather than
		// causes read from today's code.
		o.Source = os.DirFS(filepath.Join("testdata", "src", "none"))
	}
	switch {
	case strings.HasPrefix(name, "pkg-"):
		o.KataDir = "internal/diagnose/testdata/pkgs/" + strings.TrimPrefix(name, "pkg-")
	default:
		if dirs, _ := filepath.Glob(filepath.Join("..", "..", "katas", name[:min(2, len(name))]+"-*")); len(dirs) == 1 {
			o.KataDir = "katas/" + filepath.Base(dirs[0])
		}
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

// TestFixtures pins the essentials of each captured run: the kinds and
// places of its findings, in order, and the verdict.
func TestFixtures(t *testing.T) {
	defer goleak.VerifyNone(t)
	pkgs := "internal/diagnose/testdata/pkgs/"
	tests := []struct {
		name     string
		want     []string // short(finding)
		contains []string // substrings somewhere in the findings' text
		causes   []string // file:line each named as a cause by some finding
		passed   bool
		build    bool
	}{
		{name: "pkg-race", want: []string{"race " + pkgs + "race/counter.go:10"},
			contains: []string{"read by goroutine", "previous write by goroutine", "started at " + pkgs + "race/counter.go:9 in race.Count"}},
		{name: "pkg-leak", want: []string{"leak " + pkgs + "leak/search.go:9"},
			contains: []string{"blocked sending on a channel: no receiver ever comes", "started at " + pkgs + "leak/search.go:8 in leak.First"}},
		{name: "pkg-guard", want: []string{"deadlock " + pkgs + "guard/ledger_test.go:14", "leak " + pkgs + "guard/ledger.go:14"},
			contains: []string{"deadlock guard: the second Withdraw", "blocked in Mutex.Lock on a mutex that is never unlocked", "blocked at " + pkgs + "guard/ledger.go:14"}},
		{name: "pkg-panic", want: []string{"panic " + pkgs + "panic/cache.go:8"},
			contains: []string{"panic: assignment to entry in nil map", "at " + pkgs + "panic/cache_test.go:7 in panic.TestPut"}},
		{name: "pkg-osexit", want: []string{"panic " + pkgs + "osexit/main.go:7"}, contains: []string{"os.Exit(0)"}},
		{name: "pkg-timeout", want: []string{"timeout " + pkgs + "timeout/spin.go:6"},
			contains: []string{"test timed out after 2s", "still running: TestSpin"}},
		{name: "pkg-build", build: true, want: []string{"build " + pkgs + "build/broken.go:6", "build " + pkgs + "build/broken.go:7"},
			contains: []string{"undefined: y"}},
		{name: "pkg-testify",
			// Line 14 is a t.Log in the failing test: not an assertion.
			want:     []string{"assertion " + pkgs + "testify/sum_test.go:10", "assertion " + pkgs + "testify/sum_test.go:16"},
			contains: []string{"Not equal: the sum of 1, 2, 3", "expected: 6", "actual  : 3", "Sum([4]) = 0, want 4"}},
		{name: "pkg-httpbody", want: []string{"leak " + pkgs + "httpbody/fetch_test.go:13"},
			contains: []string{"a response body was never closed: the connection's read/write goroutines are still running"}},
		// One test per state a leaked goroutine can be blocked in, and 20
		// goroutines at one line started by two goroutines: each named
		// exactly, with no runtime frame, and the causes read from the code.
		{name: "pkg-leakstates", want: []string{
			"leak " + pkgs + "leakstates/states.go:21", "leak " + pkgs + "leakstates/states.go:40", "leak " + pkgs + "leakstates/states.go:45",
			"leak " + pkgs + "leakstates/states.go:55", "leak " + pkgs + "leakstates/states.go:61", "leak " + pkgs + "leakstates/states.go:78",
			"leak " + pkgs + "leakstates/states.go:84", "leak " + pkgs + "leakstates/states.go:96", "leak " + pkgs + "leakstates/states.go:105",
			"leak " + pkgs + "leakstates/states.go:111", "leak " + pkgs + "leakstates/states.go:124", "leak " + pkgs + "leakstates/states.go:131",
			"leak " + pkgs + "leakstates/states.go:138", "leak " + pkgs + "leakstates/states.go:145"},
			contains: []string{
				"blocked in Mutex.Lock", "blocked in RWMutex.RLock, waiting for a read lock", "blocked in RWMutex.Lock, waiting for the write lock",
				"blocked in WaitGroup.Wait", "blocked sending on a channel", "blocked receiving from a channel", "receiving from a nil channel",
				"blocked in a select with no case ready", "blocked in Cond.Wait", "sleeping (time.Sleep)", "blocked on network I/O",
				"20 goroutines were left", "started at " + pkgs + "leakstates/states.go:145 in leakstates.Fan"},
			causes: []string{pkgs + "leakstates/states.go:23", pkgs + "leakstates/states.go:40", pkgs + "leakstates/states.go:55",
				pkgs + "leakstates/states.go:73", pkgs + "leakstates/states.go:89"}},
		// An atomic store against a plain read: the store's goroutine had
		// finished, its stack has no frame of the package.
		{name: "pkg-racenouser", want: []string{"race " + pkgs + "racenouser/counter.go:14"},
			contains: []string{"at " + pkgs + "racenouser/counter_test.go:11", "no frame of your code in this access's stack: shown where its goroutine was started"}},
		{name: "pkg-bubbleleak", want: []string{"leak " + pkgs + "bubbleleak/worker.go:7"}, contains: []string{"synctest bubble ended"}},
		{name: "pkg-bubbledeadlock", want: []string{"deadlock " + pkgs + "bubbledeadlock/pair.go:7"}, contains: []string{"goroutine 8, blocked receiving from a channel nobody sends on or closes, at"}},
		{name: "01-buggy", want: []string{
			"deadlock katas/01-wg-ordering/prices_test.go:94", "leak katas/01-wg-ordering/prices.go:83",
			"deadlock katas/01-wg-ordering/prices_test.go:94", "leak katas/01-wg-ordering/prices.go:83",
			"race katas/01-wg-ordering/prices.go:77", "assertion katas/01-wg-ordering/prices_test.go:141",
			"assertion katas/01-wg-ordering/prices_test.go:190", "assertion katas/01-wg-ordering/prices_test.go:241",
			"deadlock katas/01-wg-ordering/prices_test.go:245", "leak katas/01-wg-ordering/prices.go:83"},
			contains: []string{"at katas/01-wg-ordering/prices.go:92", "WaitGroup.Wait"},
			// The Add inside the goroutine, and the return that skips Done.
			causes: []string{"katas/01-wg-ordering/prices.go:71", "katas/01-wg-ordering/prices.go:75"}},
		{name: "01-solved", passed: true},
		// A real run in which testify's block was printed into the middle of
		// the race report (stdout and stderr interleave line by line).
		{name: "01-interleaved", want: []string{
			"deadlock katas/01-wg-ordering/prices_test.go:81", "leak katas/01-wg-ordering/prices.go:83",
			"race katas/01-wg-ordering/prices.go:77", "assertion katas/01-wg-ordering/prices_test.go:123"},
			contains: []string{"previous read by goroutine 26 at katas/01-wg-ordering/prices.go:92", "Compare returned before every supplier had answered"}},
		// The same, with testify's block between the race report's opening
		// banner and its WARNING line.
		{name: "01-interleaved-banner", want: []string{
			"deadlock katas/01-wg-ordering/prices_test.go:81", "leak katas/01-wg-ordering/prices.go:83",
			"race katas/01-wg-ordering/prices.go:77", "assertion katas/01-wg-ordering/prices_test.go:123"},
			contains: []string{"previous read by goroutine 26 at katas/01-wg-ordering/prices.go:92", "Compare returned before every supplier had answered"}},
		// Each buggy kata's findings name the cause lines in the learner's
		// file (read from the snapshot of the code the run was recorded
		// from, testdata/src/NN-buggy).
		{name: "02-buggy", want: []string{
			"race katas/02-unclosed-body/checker.go:57", "race katas/02-unclosed-body/checker.go:57",
			"assertion katas/02-unclosed-body/checker_test.go:95", "leak katas/02-unclosed-body/checker_test.go:96",
			"assertion katas/02-unclosed-body/checker_test.go:95", "leak katas/02-unclosed-body/checker_test.go:96",
			"assertion katas/02-unclosed-body/checker_test.go:111", "leak katas/02-unclosed-body/checker_test.go:112"},
			contains: []string{"a response body was never closed", "1 connection still open", "[/down/b]", "[/parked/a]"},
			causes:   []string{"katas/02-unclosed-body/checker.go:84", "katas/02-unclosed-body/checker.go:88"}},
		{name: "03-buggy", want: []string{
			"race katas/03-ctx-timeout/search.go:87", "assertion katas/03-ctx-timeout/search_test.go:97",
			"assertion katas/03-ctx-timeout/search_test.go:97", "assertion katas/03-ctx-timeout/search_test.go:97",
			"assertion katas/03-ctx-timeout/search_test.go:97", "assertion katas/03-ctx-timeout/search_test.go:97",
			"assertion katas/03-ctx-timeout/search_test.go:97", "assertion katas/03-ctx-timeout/search_test.go:126",
			"assertion katas/03-ctx-timeout/search_test.go:127", "leak katas/03-ctx-timeout/search.go:63",
			"leak katas/03-ctx-timeout/search.go:63", "assertion katas/03-ctx-timeout/search_test.go:304",
			"race katas/03-ctx-timeout/search.go:86", "assertion katas/03-ctx-timeout/search_test.go:304",
			"leak katas/03-ctx-timeout/search.go:67"},
			contains: []string{"nil channel", "synctest bubble ended", "blocked sending on a channel: no receiver ever comes, at katas/03-ctx-timeout/search.go:67"},
			causes:   []string{"katas/03-ctx-timeout/search.go:78", "katas/03-ctx-timeout/search.go:58"}},
		{name: "03-solved", passed: true},
		{name: "04-buggy", want: []string{
			"deadlock katas/04-mutex-defer/ledger_test.go:127", "assertion katas/04-mutex-defer/ledger_test.go:133",
			"leak katas/04-mutex-defer/ledger.go:64", "deadlock katas/04-mutex-defer/ledger_test.go:127",
			"assertion katas/04-mutex-defer/ledger_test.go:133", "leak katas/04-mutex-defer/ledger.go:64",
			"race katas/04-mutex-defer/ledger.go:77", "race katas/04-mutex-defer/ledger.go:77"},
			contains: []string{"blocked in Mutex.Lock on a mutex that is never unlocked", "the deadlock guard running the test's call"},
			// The return and the panic path that skip Unlock; the read
			// outside the lock.
			causes: []string{"katas/04-mutex-defer/ledger.go:71", "katas/04-mutex-defer/ledger.go:73", "katas/04-mutex-defer/ledger.go:90"}},
		{name: "05-buggy", want: []string{
			"assertion katas/05-gomaxprocs/thumbs_test.go:184", "assertion katas/05-gomaxprocs/thumbs_test.go:186",
			"race katas/05-gomaxprocs/thumbs.go:67", "assertion katas/05-gomaxprocs/thumbs_test.go:188",
			"assertion katas/05-gomaxprocs/thumbs_test.go:188", "assertion katas/05-gomaxprocs/thumbs_test.go:188",
			"assertion katas/05-gomaxprocs/thumbs_test.go:90", "assertion katas/05-gomaxprocs/thumbs_test.go:94",
			"race katas/05-gomaxprocs/thumbs.go:67", "leak katas/05-gomaxprocs/thumbs.go:58",
			"leak katas/05-gomaxprocs/thumbs.go:61", "leak katas/05-gomaxprocs/thumbs.go:73",
			"assertion katas/05-gomaxprocs/thumbs_test.go:184", "assertion katas/05-gomaxprocs/thumbs_test.go:186",
			"assertion katas/05-gomaxprocs/thumbs_test.go:188", "assertion katas/05-gomaxprocs/thumbs_test.go:90",
			"assertion katas/05-gomaxprocs/thumbs_test.go:94", "leak katas/05-gomaxprocs/thumbs.go:58",
			"leak katas/05-gomaxprocs/thumbs.go:61", "leak katas/05-gomaxprocs/thumbs.go:73",
			"assertion katas/05-gomaxprocs/thumbs_test.go:118", "leak katas/05-gomaxprocs/thumbs.go:73",
			"leak katas/05-gomaxprocs/thumbs.go:58", "leak katas/05-gomaxprocs/thumbs.go:61",
			"assertion katas/05-gomaxprocs/thumbs_test.go:118", "leak katas/05-gomaxprocs/thumbs.go:58",
			"leak katas/05-gomaxprocs/thumbs.go:61", "leak katas/05-gomaxprocs/thumbs.go:73"},
			contains: []string{"Run changed GOMAXPROCS", "WaitGroup.Wait: the counter never gets back to zero", "12 goroutines were left"},
			// The return that leaves the workers running; GOMAXPROCS set,
			// the pool sized by NumCPU, a goroutine per image.
			causes: []string{"katas/05-gomaxprocs/thumbs.go:80", "katas/05-gomaxprocs/thumbs.go:49",
				"katas/05-gomaxprocs/thumbs.go:50", "katas/05-gomaxprocs/thumbs.go:56"}},
		{name: "02-solved", passed: true},
		{name: "01-build", build: true, want: []string{"build katas/01-wg-ordering/prices.go:62"}},
		{name: "01-panic", want: []string{"panic katas/01-wg-ordering/prices.go:63"}},
		{name: "01-osexit", want: []string{"panic katas/01-wg-ordering/prices.go:63"}},
		{name: "04-solved", passed: true},
		{name: "05-solved", passed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := diagnoseFixture(t, tt.name)
			var got []string
			var text strings.Builder
			for _, f := range r.Findings {
				got = append(got, short(f))
				fmt.Fprintln(&text, f.Message, f.Details)
			}
			assert.Equal(t, tt.want, got)
			for _, s := range tt.contains {
				assert.Contains(t, text.String(), s)
			}
			for _, c := range tt.causes {
				file, line, _ := strings.Cut(c, ":")
				n, _ := strconv.Atoi(line)
				assert.True(t, NamesCause(r.Findings, file, n), "no finding names the cause %s", c)
			}
			assert.Equal(t, tt.passed, r.Passed, "passed")
			assert.Equal(t, tt.build, r.BuildFailed, "build failed")
			assert.True(t, r.Complete, "complete")
		})
	}
}

// TestKataCauses: the captured buggy runs of katas 06–13 (recorded with
// their code in testdata/src/NN-buggy) name every cause line the kata
// declares, by the finding that shows it and with the reason given.
func TestKataCauses(t *testing.T) {
	defer goleak.VerifyNone(t)
	type named struct {
		line int
		by   string // substring of the finding's message that names it
		why  string // substring of the cause's text
	}
	tests := []struct {
		name, file string
		causes     []named
	}{
		{"06-buggy", "katas/06-chan-close/bus.go", []named{
			{73, "blocked receiving", "nothing in the package ever closes it"},
			{78, "got 2 of 200 events", "the value is dropped"},
			{77, "send on closed channel", "the process crashed here: send on closed channel"},
			{103, "close of closed channel in (*Bus).Close", "the process crashed here: close of closed channel"},
			{92, "close of closed channel in (*Subscription).Unsubscribe", "the process crashed here"},
			{55, "blocked receiving", ""},
		}},
		{"07-buggy", "katas/07-lock-order/inventory.go", []named{
			{114, "blocked in Mutex.Lock", "already holds"},
			{129, "blocked in Mutex.Lock", "itself blocked"},
			{142, "blocked in Mutex.Lock", "itself blocked"},
		}},
		{"08-buggy", "katas/08-handler-goroutine/orders.go", []named{
			{75, "the audit log", "net/http cancels as soon as the handler returns"},
			{76, "left waiting", "nothing counts it or can stop it"},
			{90, "", ""},
			{103, "Shutdown returned", "returns at once"},
		}},
		{"10-buggy", "katas/10-once-cond/pool.go", []named{
			{49, "Get panicked: pool: cannot reach the database", "panics inside Once.Do"},
			{60, "Get panicked", "counts the call as done"},
			{88, "Cond.Wait", "use Broadcast"},
			{66, "index out of range", "in an if, not a for loop"},
		}},
		{"11-buggy", "katas/11-spin-ticker/poller.go", []named{
			{49, "the poller spins", "never waits"},
			{57, "blocked receiving", "nothing that can stop it"},
			{67, "blocked receiving", ""},
		}},
		{"12-buggy", "katas/12-errgroup-misuse/gallery.go", []named{
			{45, "it should have cancelled", "WithContext derives is thrown away"},
			{53, "", ""},
			{57, "data race", ""},
			{50, "left waiting", "leaves before the Wait"},
		}},
		{"13-buggy", "katas/13-nil-chan-select/logship.go", []named{
			{40, "Run spins", "stays in the select"},
			{48, "Run spins", "stays in the select"},
			{33, "there is no stderr", "starts as true even when"},
			{36, "after the job was cancelled", "chooses at random"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := diagnoseFixture(t, tt.name)
			for _, c := range tt.causes {
				require.True(t, NamesCause(r.Findings, tt.file, c.line), "no finding names %s:%d", tt.file, c.line)
				found := false
				for _, f := range r.Findings {
					if !strings.Contains(f.Message, c.by) || !NamesCause([]Finding{f}, tt.file, c.line) {
						continue
					}
					for _, cs := range f.Causes {
						found = found || cs.File == tt.file && cs.Line == c.line && strings.Contains(cs.Text, c.why)
					}
					found = found || c.why == ""
				}
				assert.True(t, found, "%s:%d is not named by a finding saying %q with a cause saying %q", tt.file, c.line, c.by, c.why)
			}
		})
	}
}

// TestKatasFail checks every captured buggy kata run yields findings of
// the kinds its kata.json declares.
func TestKatasFail(t *testing.T) {
	defer goleak.VerifyNone(t)
	files, err := filepath.Glob("testdata/[0-9][0-9]-buggy.json")
	require.NoError(t, err)
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			meta, err := os.ReadFile(filepath.Join("..", "..", fixtureOptions(name).KataDir, "kata.json"))
			if err != nil {
				t.Skip("kata not in this tree:", err)
			}
			var k struct{ Detectors []string }
			require.NoError(t, json.Unmarshal(meta, &k))
			r := diagnoseFixture(t, name)
			kinds := map[string]bool{}
			for _, f := range r.Findings {
				kinds[string(f.Kind)] = true
				assert.NotEmpty(t, f.File, "finding without a place: %+v", f)
			}
			for _, d := range k.Detectors {
				assert.True(t, kinds[d], "no %s finding", d)
			}
			assert.False(t, r.Passed)
		})
	}
}

// TestStreaming checks findings come out of Feed as soon as they are
// complete (before the run ends), each exactly once.
func TestStreaming(t *testing.T) {
	defer goleak.VerifyNone(t)
	f, err := os.Open("testdata/01-buggy.json")
	require.NoError(t, err)
	defer f.Close()
	d := New(fixtureOptions("01-buggy"))
	dec := testjson.NewDecoder(f)
	var fed []Finding
	firstAt, ended := -1, -1
	for i := 0; ; i++ {
		ev, err := dec.Next()
		if err != nil {
			break
		}
		out := d.Feed(ev)
		if len(out) > 0 && firstAt < 0 {
			firstAt = i
		}
		if ev.Test == "" && (ev.Action == "pass" || ev.Action == "fail") {
			ended = i
		}
		fed = append(fed, out...)
	}
	r := d.Result()
	assert.Equal(t, r.Findings, fed, "every finding returned once, by Feed")
	require.GreaterOrEqual(t, firstAt, 0)
	assert.Less(t, firstAt, ended, "first finding before the end event")
	again := d.Result()
	assert.Equal(t, r, again, "Result is idempotent")
}

// feed runs lines (JSON events or raw text) through a Diagnoser.
func feed(t *testing.T, opts Options, lines ...string) Result {
	t.Helper()
	r, err := Stream(strings.NewReader(strings.Join(lines, "\n")), opts)
	require.NoError(t, err)
	return r
}

// out builds an output event of test in package p.
func out(test, text string) string {
	b, _ := json.Marshal(testjson.Event{Action: "output", Package: "example.com/m/katas/k", Test: test, Output: text + "\n"})
	return string(b)
}

// chunks splits text into output events of at most n bytes, as test2json
// does with long lines.
func chunks(test, text string, n int) []string {
	var evs []string
	for len(text) > 0 {
		k := min(n, len(text))
		b, _ := json.Marshal(testjson.Event{Action: "output", Package: "example.com/m/katas/k", Test: test, Output: text[:k]})
		evs = append(evs, string(b))
		text = text[k:]
	}
	return evs
}

func ev(action, test string) string {
	b, _ := json.Marshal(testjson.Event{Action: action, Package: "example.com/m/katas/k", Test: test})
	return string(b)
}

// TestEdgeCases covers hand-made streams the captured runs do not.
func TestEdgeCases(t *testing.T) {
	defer goleak.VerifyNone(t)
	opts := Options{Root: "/r", KataDir: "katas/k", Module: "example.com/m"}
	raceBlock := []string{
		"==================", "WARNING: DATA RACE", "Write at 0x00c000012345 by goroutine 8:",
		"  example.com/m/katas/k.Inc()", "      /r/katas/k/k.go:12 +0x44", "",
		"Previous read at 0x00c000012345 by goroutine 7:",
		"  example.com/m/katas/k.Get()", "      /r/katas/k/k.go:20 +0x3a", "",
		"Goroutine 8 (running) created at:", "  example.com/m/katas/k.Start()", "      /r/katas/k/k.go:30 +0x10", "",
		"Goroutine 7 (running) created at:", "  example.com/m/katas/k.TestK()", "      /r/katas/k/k_test.go:9 +0x10",
		"==================",
	}
	var raceEvents []string
	for _, l := range raceBlock {
		raceEvents = append(raceEvents, out("TestK", l))
	}
	tests := []struct {
		name     string
		lines    []string
		want     []string
		contains []string
		check    func(t *testing.T, r Result)
	}{
		{
			name: "testify prints the error on the next line; its sentence and the message are joined cleanly",
			lines: []string{ev("start", ""), ev("run", "TestK"),
				out("TestK", "    k_test.go:7: "),
				out("TestK", "        \tError Trace:\t/r/katas/k/k_test.go:7"),
				out("TestK", "        \tError:      \tReceived unexpected error:"),
				out("TestK", "        \t            \tbackend down"),
				out("TestK", "        \tTest:       \tTestK"),
				out("TestK", "        \tError Trace:\t/r/katas/k/k_test.go:9"),
				out("TestK", "        \tError:      \tAn error is expected but got nil."),
				out("TestK", "        \tTest:       \tTestK"),
				out("TestK", "        \tMessages:   \tthe second call"),
				out("TestK", "        \t            \tmust fail"),
				ev("fail", "TestK"), ev("fail", "")},
			want: []string{"assertion katas/k/k_test.go:7", "assertion katas/k/k_test.go:9"},
			check: func(t *testing.T, r Result) {
				assert.Equal(t, "Received unexpected error: backend down", r.Findings[0].Message)
				assert.Equal(t, "An error is expected but got nil: the second call must fail", r.Findings[1].Message)
			},
		},
		{
			name: "a race with no user frame in one access: located at the goroutine's start, and said so",
			lines: []string{ev("start", ""), ev("run", "TestK"),
				out("TestK", "=================="), out("TestK", "WARNING: DATA RACE"),
				out("TestK", "Write at 0x00c000012345 by goroutine 8:"),
				out("TestK", "  sync/atomic.StoreInt32()"), out("TestK", "      /usr/lib/go/src/runtime/race_amd64.s:229 +0xb"),
				out("TestK", ""),
				out("TestK", "Previous read at 0x00c000012345 by goroutine 7:"),
				out("TestK", "  runtime.raceread()"), out("TestK", "      <autogenerated>:1 +0x1e"),
				out("TestK", "  testing.tRunner()"), out("TestK", "      /usr/lib/go/src/testing/testing.go:2036 +0x21"),
				out("TestK", ""),
				out("TestK", "Goroutine 8 (running) created at:"), out("TestK", "  example.com/m/katas/k.Start()"), out("TestK", "      /r/katas/k/k.go:30 +0x10"),
				out("TestK", ""),
				out("TestK", "Goroutine 7 (running) created at:"), out("TestK", "  testing.(*T).Run()"), out("TestK", "      /usr/lib/go/src/testing/testing.go:2101 +0x10"),
				out("TestK", "=================="),
				ev("fail", "TestK"), ev("fail", "")},
			want:     []string{"race katas/k/k.go:30"},
			contains: []string{"shown where its goroutine was started", "no frame of your code in this access's stack"},
			check: func(t *testing.T, r Result) {
				assert.NotContains(t, r.Findings[0].Message, ":0")
				assert.NotContains(t, strings.Join(r.Findings[0].Details, " "), "testing.go")
			},
		},
		{
			name: "identical leaks started by different goroutines are one finding with a count",
			lines: []string{ev("start", ""), ev("run", "TestK"),
				out("TestK", "    k_test.go:5: found unexpected goroutines:"),
				out("TestK", "        [Goroutine 9 in state sync.RWMutex.RLock, with sync.runtime_SemacquireRWMutexR on top of the stack:"),
				out("TestK", "        sync.runtime_SemacquireRWMutexR(0x1?, 0x0?, 0x0?)"), out("TestK", "        \t/usr/lib/go/src/runtime/sema.go:100 +0x25"),
				out("TestK", "        sync.(*RWMutex).RLock(...)"), out("TestK", "        \t/usr/lib/go/src/sync/rwmutex.go:74"),
				out("TestK", "        example.com/m/katas/k.(*C).Get(0x0)"), out("TestK", "        \t/r/katas/k/k.go:12 +0x44"),
				out("TestK", "        created by example.com/m/katas/k.Start in goroutine 7"), out("TestK", "        \t/r/katas/k/k.go:30 +0x10"),
				out("TestK", "        "),
				out("TestK", "         Goroutine 10 in state sync.RWMutex.RLock, with sync.runtime_SemacquireRWMutexR on top of the stack:"),
				out("TestK", "        sync.runtime_SemacquireRWMutexR(0x1?, 0x0?, 0x0?)"), out("TestK", "        \t/usr/lib/go/src/runtime/sema.go:100 +0x25"),
				out("TestK", "        sync.(*RWMutex).RLock(...)"), out("TestK", "        \t/usr/lib/go/src/sync/rwmutex.go:74"),
				out("TestK", "        example.com/m/katas/k.(*C).Get(0x0)"), out("TestK", "        \t/r/katas/k/k.go:12 +0x44"),
				out("TestK", "        created by example.com/m/katas/k.Start in goroutine 8"), out("TestK", "        \t/r/katas/k/k.go:30 +0x10"),
				out("TestK", "        ]"),
				ev("fail", "TestK"), ev("fail", "")},
			want:     []string{"leak katas/k/k.go:12"},
			contains: []string{"2 goroutines were left blocked in RWMutex.RLock, waiting for a read lock", "started at katas/k/k.go:30 in k.Start", "goroutines 9, 10"},
			check: func(t *testing.T, r Result) {
				assert.NotContains(t, strings.Join(r.Findings[0].Details, " "), "runtime_Semacquire")
			},
		},
		{
			name:  "empty stream",
			lines: nil,
			check: func(t *testing.T, r Result) { assert.False(t, r.Complete); assert.False(t, r.Passed) },
		},
		{
			name:  "no end event: the running test is incomplete",
			lines: []string{ev("start", ""), ev("run", "TestK"), out("TestK", "    k_test.go:5: want 1, got 2")},
			want:  []string{"assertion katas/k/k_test.go:5"},
			check: func(t *testing.T, r Result) {
				assert.False(t, r.Complete)
				assert.False(t, r.Passed)
				require.Len(t, r.Tests, 1)
				assert.Equal(t, "incomplete", r.Tests[0].Outcome)
			},
		},
		{
			name:  "truncated in the middle of a race report",
			lines: append([]string{ev("run", "TestK")}, raceEvents[:9]...),
			want:  []string{"race katas/k/k.go:12"},
		},
		{
			name: "race report interleaved with a test's log line",
			lines: append(append(append([]string{ev("run", "TestK")}, raceEvents[:5]...),
				out("TestK", "    k_test.go:40: checked the total")), append(raceEvents[5:], ev("fail", "TestK"), ev("fail", ""))...),
			want:     []string{"race katas/k/k.go:12", "assertion katas/k/k_test.go:40"},
			contains: []string{"write by goroutine 8 at katas/k/k.go:12 in k.Inc (started at katas/k/k.go:30 in k.Start)", "previous read by goroutine 7"},
		},
		{
			name:  "the same race reported twice is one finding",
			lines: append(append([]string{ev("run", "TestK")}, raceEvents...), raceEvents...),
			want:  []string{"race katas/k/k.go:12"},
		},
		{
			name:  "a log line of a passing test is no finding",
			lines: []string{ev("run", "TestK"), out("TestK", "    k_test.go:5: just saying"), ev("pass", "TestK"), ev("pass", "")},
			want:  nil,
			check: func(t *testing.T, r Result) { assert.True(t, r.Passed) },
		},
		{
			name: "runtime deadlock (all goroutines asleep), as plain text",
			lines: []string{ev("run", "TestK"), "fatal error: all goroutines are asleep - deadlock!", "",
				"goroutine 1 [chan receive]:", "example.com/m/katas/k.Wait(...)", "\t/r/katas/k/k.go:6", "exit status 2"},
			want: []string{"deadlock katas/k/k.go:6"},
		},
		{
			name: "goleak VerifyTestMain report after PASS names no test",
			lines: []string{ev("run", "TestK"), ev("pass", "TestK"), out("", "PASS"),
				out("", "goleak: Errors on successful test run: found unexpected goroutines:"),
				out("", "[Goroutine 9 in state chan receive, with example.com/m/katas/k.loop on top of the stack:"),
				out("", "example.com/m/katas/k.loop(0xc000010000)"), out("", "\t/r/katas/k/k.go:50 +0x2c"),
				out("", "created by example.com/m/katas/k.Start in goroutine 7"), out("", "\t/r/katas/k/k.go:44 +0x66"),
				out("", "]"), ev("fail", "")},
			want:     []string{"leak katas/k/k.go:50"},
			contains: []string{"receiving from a channel nobody sends on or closes", "started at katas/k/k.go:44 in k.Start"},
		},
		{
			name: "compile error as plain text (no -json build events)",
			lines: []string{"# example.com/m/katas/k", "katas/k/k.go:3:2: undefined: x",
				`{"Action":"fail","Package":"example.com/m/katas/k","FailedBuild":"example.com/m/katas/k"}`},
			want:  []string{"build katas/k/k.go:3"},
			check: func(t *testing.T, r Result) { assert.True(t, r.BuildFailed); assert.False(t, r.Passed) },
		},
		{
			name:  "huge output line, split by test2json into 1024-byte events",
			lines: append(append([]string{ev("run", "TestK")}, chunks("TestK", "    k_test.go:7: "+strings.Repeat("x", 3<<20)+"\n", 1024)...), ev("fail", "TestK")),
			want:  []string{"assertion katas/k/k_test.go:7"},
			check: func(t *testing.T, r Result) { assert.Less(t, len(r.Findings[0].Message), 70<<10) },
		},
		{
			name:  "a line cut at the end of the stream still counts",
			lines: []string{ev("run", "TestK"), chunks("TestK", "    k_test.go:8: cut here", 1024)[0]},
			want:  []string{"assertion katas/k/k_test.go:8"},
		},
		{
			name: "two packages: passed only if both pass",
			lines: []string{`{"Action":"start","Package":"a"}`, `{"Action":"start","Package":"b"}`,
				`{"Action":"pass","Package":"a"}`, `{"Action":"fail","Package":"b"}`},
			check: func(t *testing.T, r Result) { assert.True(t, r.Complete); assert.False(t, r.Passed) },
		},
		{
			name:  "a started package that never ended",
			lines: []string{`{"Action":"start","Package":"a"}`, `{"Action":"start","Package":"b"}`, `{"Action":"pass","Package":"a"}`},
			check: func(t *testing.T, r Result) { assert.False(t, r.Complete); assert.False(t, r.Passed) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := feed(t, opts, tt.lines...)
			var got []string
			var text strings.Builder
			for _, f := range r.Findings {
				got = append(got, short(f))
				fmt.Fprintln(&text, f.Message, f.Details)
			}
			assert.Equal(t, tt.want, got)
			for _, s := range tt.contains {
				assert.Contains(t, text.String(), s)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

func TestParseVet(t *testing.T) {
	defer goleak.VerifyNone(t)
	b, err := os.ReadFile("testdata/pkg-vet.txt")
	require.NoError(t, err)
	fs := ParseVet(b, Options{Root: "$ROOT", KataDir: "internal/diagnose/testdata/pkgs/vet"})
	var got []string
	for _, f := range fs {
		got = append(got, short(f))
	}
	assert.Equal(t, []string{
		"vet internal/diagnose/testdata/pkgs/vet/copy.go:13",
		"vet internal/diagnose/testdata/pkgs/vet/copy.go:19",
	}, got)
	assert.Contains(t, fs[1].Message, "WaitGroup.Add called from inside new goroutine")
	assert.Empty(t, ParseVet([]byte("# some/pkg\nnothing here\n"), Options{}))
	abs := ParseVet([]byte("vet: /r/katas/k/k.go:3:4: undefined: y\n"), Options{Root: "/r"})
	require.Len(t, abs, 1)
	assert.Equal(t, Finding{Kind: KindBuild, Message: "undefined: y", Location: Location{File: "katas/k/k.go", Line: 3, Col: 4}}, abs[0])
}

// BenchmarkStream50MB diagnoses 50 MB of a real run (kata 01's buggy
// stream, repeated): decoding plus diagnosis.
func BenchmarkStream50MB(b *testing.B) {
	one, err := os.ReadFile("testdata/01-buggy.json")
	require.NoError(b, err)
	data := bytes.Repeat(one, 50<<20/len(one))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Stream(bytes.NewReader(data), fixtureOptions("01-buggy")); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRecordedElsewhere checks a stream recorded in another checkout still
// points at repository-relative files, learned from the module's frames.
func TestRecordedElsewhere(t *testing.T) {
	defer goleak.VerifyNone(t)
	f, err := os.Open("testdata/pkg-leak.json") // recorded under $ROOT
	require.NoError(t, err)
	defer f.Close()
	r, err := Stream(f, Options{Root: "/somewhere/else", Module: "github.com/gokatas/concurrency"})
	require.NoError(t, err)
	require.Len(t, r.Findings, 1)
	assert.Equal(t, "leak internal/diagnose/testdata/pkgs/leak/search.go:9", short(r.Findings[0]))

	for _, tt := range []struct {
		f    frame
		want string
	}{
		{frame{Func: "example.com/m/katas/k.(*T).F.func1", File: "/a/b/katas/k/k.go"}, "/a/b"},
		{frame{Func: "example.com/m/katas/k_test.TestK", File: "/a/b/katas/k/k_test.go"}, "/a/b"},
		{frame{Func: "example.com/m/katas/k.F", File: "/a/b/other/k.go"}, ""},
		{frame{Func: "example.com/other.F", File: "/a/b/k.go"}, ""},
	} {
		got, _ := recordedRoot(tt.f, "example.com/m")
		assert.Equal(t, tt.want, got, "%+v", tt.f)
	}
}

// TestPanicUnderLock checks a panic whose stack goes through a call made
// while a mutex is held (and released by hand) names that call as a cause,
// reading the code from Options.Source.
func TestPanicUnderLock(t *testing.T) {
	defer goleak.VerifyNone(t)
	src := fstest.MapFS{"katas/k/k.go": {Data: []byte(`package k

type L struct {
	mu sync.Mutex
	j  func() error
}

func (l *L) T() error {
	l.mu.Lock()
	if err := l.j(); err != nil {
		l.mu.Unlock()
		return err
	}
	l.mu.Unlock()
	return nil
}
`)}}
	opts := Options{Root: "/r", KataDir: "katas/k", Module: "example.com/m", Source: src}
	r := feed(t, opts, ev("start", ""), ev("run", "TestK"),
		out("TestK", "--- FAIL: TestK (0.00s)"),
		out("TestK", "panic: journal down [recovered, repanicked]"),
		out("TestK", ""),
		out("TestK", "goroutine 7 [running]:"),
		out("TestK", "example.com/m/katas/k.(*L).T(0xc000010000)"),
		out("TestK", "\t/r/katas/k/k.go:10 +0x44"),
		out("TestK", "example.com/m/katas/k.TestK(0xc000100000)"),
		out("TestK", "\t/r/katas/k/k_test.go:9 +0x10"),
		ev("fail", "TestK"), ev("fail", ""))
	require.Len(t, r.Findings, 1)
	f := r.Findings[0]
	assert.Equal(t, "panic katas/k/k.go:10", short(f))
	require.NotNil(t, f.Cause)
	assert.Equal(t, Cause{File: "katas/k/k.go", Line: 10,
		Text: "panics here with L.mu locked (Lock at line 9, Unlock not deferred): L.mu stays locked for good"}, *f.Cause)
	assert.True(t, NamesCause(r.Findings, "katas/k/k.go", 10))
	assert.False(t, NamesCause(r.Findings, "katas/k/k.go", 11))
}
