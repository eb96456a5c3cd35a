package diagnose

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// capture describes one recorded run: `go test -race -json` (or `go vet`)
// on a package, optionally with the kata's solution overlaid.
type capture struct {
	name   string   // fixture file name without extension
	dir    string   // repo-relative package folder
	args   []string // extra go test flags
	solved bool     // overlay solutions/<kata> onto the kata
	vet    bool     // record `go vet` text output instead
}

// captures are the fixtures recorded from real runs of the packages under
// testdata/pkgs; every kata in katas/ is recorded too, buggy (NN-buggy)
// and with its solution overlaid (NN-solved). The 01-panic,
// 01-osexit, 01-timeout and 01-build fixtures were recorded once against
// hand-broken copies of kata 01 and are not re-recorded here.
var captures = []capture{
	{name: "pkg-race", dir: "internal/diagnose/testdata/pkgs/race"},
	{name: "pkg-leak", dir: "internal/diagnose/testdata/pkgs/leak"},
	{name: "pkg-guard", dir: "internal/diagnose/testdata/pkgs/guard"},
	{name: "pkg-panic", dir: "internal/diagnose/testdata/pkgs/panic"},
	{name: "pkg-osexit", dir: "internal/diagnose/testdata/pkgs/osexit"},
	{name: "pkg-timeout", dir: "internal/diagnose/testdata/pkgs/timeout", args: []string{"-timeout", "2s"}},
	{name: "pkg-build", dir: "internal/diagnose/testdata/pkgs/build"},
	{name: "pkg-testify", dir: "internal/diagnose/testdata/pkgs/testify"},
	{name: "pkg-httpbody", dir: "internal/diagnose/testdata/pkgs/httpbody"},
	{name: "pkg-bubbleleak", dir: "internal/diagnose/testdata/pkgs/bubbleleak"},
	{name: "pkg-bubbledeadlock", dir: "internal/diagnose/testdata/pkgs/bubbledeadlock"},
	{name: "pkg-vet", dir: "internal/diagnose/testdata/pkgs/vet", vet: true},
	// Every leak state the diagnosis names, and 20 goroutines at one line
	// started by two goroutines.
	{name: "pkg-leakstates", dir: "internal/diagnose/testdata/pkgs/leakstates"},
	// Races whose report has no frame of the package for one access.
	{name: "pkg-racenouser", dir: "internal/diagnose/testdata/pkgs/racenouser"},
}

// TestCapture re-records the fixtures from real runs. It runs only with
// DIAGNOSE_CAPTURE=1 (or a fixture name): DIAGNOSE_CAPTURE=pkg-race go test -run TestCapture ./internal/diagnose
func TestCapture(t *testing.T) {
	want := os.Getenv("DIAGNOSE_CAPTURE")
	if want == "" {
		t.Skip("set DIAGNOSE_CAPTURE=1 (or a fixture name) to re-record the fixtures")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	all := captures
	katas, _ := filepath.Glob(filepath.Join(root, "katas", "[0-9][0-9]-*"))
	for _, k := range katas {
		dir := "katas/" + filepath.Base(k)
		n := filepath.Base(k)[:2]
		all = append(all, capture{name: n + "-buggy", dir: dir}, capture{name: n + "-solved", dir: dir, solved: true})
	}
	for _, c := range all {
		if want != "1" && want != c.name {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, c.dir)); err != nil {
			t.Logf("skip %s: %v", c.name, err)
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			out := record(t, root, c)
			ext := ".json"
			if c.vet {
				ext = ".txt"
			}
			if err := os.WriteFile(filepath.Join("testdata", c.name+ext), normalise(t, root, out), 0o644); err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(c.dir, "katas/") {
				snapshot(t, root, c)
			}
		})
	}
}

// record runs the capture and returns its output (stdout and stderr, as a
// runner would read them merged).
func record(t *testing.T, root string, c capture) []byte {
	t.Helper()
	args := append([]string{"test", "-race", "-json", "-count=1"}, c.args...)
	if c.vet {
		args = []string{"vet"}
	}
	if c.solved {
		overlay := map[string]map[string]string{"Replace": {}}
		sol := filepath.Join(root, "solutions", filepath.Base(c.dir))
		files, _ := filepath.Glob(filepath.Join(sol, "*.go"))
		for _, f := range files {
			overlay["Replace"][filepath.Join(root, c.dir, filepath.Base(f))] = f
		}
		b, _ := json.Marshal(overlay)
		o := filepath.Join(t.TempDir(), "overlay.json")
		if err := os.WriteFile(o, b, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, "-overlay="+o)
	}
	args = append(args, "./"+c.dir+"/")
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0", "GOFLAGS=")
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	t.Logf("go %s: %v", strings.Join(args, " "), err)
	return buf.Bytes()
}

// normalise replaces the capturing machine's paths with placeholders, so
// the fixtures read the same anywhere: $ROOT, $GOROOT, $GOMODCACHE.
func normalise(t *testing.T, root string, b []byte) []byte {
	t.Helper()
	env := func(name string) string {
		out, err := exec.Command("go", "env", name).Output()
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(out))
	}
	for _, r := range []struct{ from, to string }{
		{env("GOMODCACHE"), "$GOMODCACHE"}, {env("GOROOT"), "$GOROOT"}, {root, "$ROOT"}, {os.TempDir(), "$TMP"},
	} {
		if r.from != "" {
			b = bytes.ReplaceAll(b, []byte(r.from), []byte(r.to))
		}
	}
	return b
}

// snapshot copies the kata's .go files (the solution's, when overlaid) to
// testdata/src/<name>/<dir>, so the fixture's causes are found in the code
// the run was recorded from, whatever the kata looks like later.
func snapshot(t *testing.T, root string, c capture) {
	t.Helper()
	dst := filepath.Join("testdata", "src", c.name, filepath.FromSlash(c.dir))
	if err := os.RemoveAll(filepath.Join("testdata", "src", c.name)); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(root, c.dir, "*.go"))
	for _, f := range files {
		from := f
		if sol := filepath.Join(root, "solutions", filepath.Base(c.dir), filepath.Base(f)); c.solved {
			if _, err := os.Stat(sol); err == nil {
				from = sol
			}
		}
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
