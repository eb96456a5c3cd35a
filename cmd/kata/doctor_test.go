package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
)

// fakeGo writes a go command that answers `go env -json` with the given
// toolchain and succeeds at everything else, and returns its folder.
func fakeGo(t *testing.T, version, goos, cgo, cc string) string {
	t.Helper()
	dir := t.TempDir()
	script := fmt.Sprintf(`#!/bin/sh
if [ "$1" = env ]; then
  printf '{"GOVERSION":"%s","GOOS":"%s","GOARCH":"amd64","CGO_ENABLED":"%s","CC":"%s"}\n'
fi
exit 0
`, version, goos, cgo, cc)
	if err := os.WriteFile(filepath.Join(dir, "go"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestDoctorSaysWhatToInstall runs doctor against fake toolchains: each
// missing piece is named with what to install, with the right exit code.
func TestDoctorSaysWhatToInstall(t *testing.T) {
	defer noLeaks(t)
	if runtime.GOOS == "windows" {
		t.Skip("the fake go command is a shell script")
	}
	h := newHarness(t)
	tests := []struct {
		name                   string
		version, goos, cgo, cc string
		noGo                   bool
		code                   int
		stdout                 []string
	}{
		{name: "no go", noGo: true, code: 2, stdout: []string{"go: not found", "https://go.dev/dl/"}},
		{name: "go too old", version: "go1.22.5", goos: "linux", cgo: "1", cc: "sh", code: 2, stdout: []string{"go1.22.5 is too old", "Go 1.25 or newer", "https://go.dev/dl/"}},
		{name: "no C compiler on Debian", version: "go1.26.8", goos: "linux", cgo: "1", cc: "no-such-cc", code: 1, stdout: []string{`no C compiler ("no-such-cc")`, "apt-get install gcc", "race detector cannot run"}},
		{name: "no C compiler on macOS: -race needs none", version: "go1.25.0", goos: "darwin", cgo: "0", cc: "no-such-cc", stdout: []string{"needs no C compiler on macOS", "All set"}},
		{name: "no C compiler on Windows", version: "go1.25.0", goos: "windows", cgo: "1", cc: "no-such-cc", code: 1, stdout: []string{"MSYS2", "WSL"}},
		{name: "cgo off", version: "go1.26.8", goos: "linux", cgo: "0", cc: "sh", code: 1, stdout: []string{"CGO_ENABLED=1"}},
		{name: "all set", version: "go1.26.8", goos: "linux", cgo: "1", cc: "sh", stdout: []string{"✔ go: go1.26.8", "✔ cgo is on", "✔ downloading modules", "All set"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := t.TempDir() // no go at all
			if !tt.noGo {
				path = fakeGo(t, tt.version, tt.goos, tt.cgo, tt.cc)
			}
			// sh for the fake go; no real go command.
			out, errOut, code := h.run(t, "", []string{"PATH=" + path + string(os.PathListSeparator) + "/bin"}, "doctor")
			assert.Equal(t, tt.code, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			for _, s := range tt.stdout {
				assert.Contains(t, out, s)
			}
		})
	}
}

// TestCheckWithoutGo: with no go command, or one too old, check is an
// environment problem (exit 2); list still works.
func TestCheckWithoutGo(t *testing.T) {
	defer noLeaks(t)
	h := newHarness(t)
	noGo := []string{"PATH=" + t.TempDir()}
	out, errOut, code := h.run(t, "", noGo, "check", "01")
	assert.Equal(t, 2, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, flat(errOut), "install Go 1.25 or newer")
	_, _, code = h.run(t, "", noGo, "list")
	assert.Equal(t, 0, code)
	if runtime.GOOS != "windows" {
		oldGo := []string{"PATH=" + fakeGo(t, "go1.24.9", "linux", "1", "sh") + string(os.PathListSeparator) + "/bin"}
		out, errOut, code = h.run(t, "", oldGo, "check", "01")
		assert.Equal(t, 2, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
		assert.Contains(t, flat(errOut), "go1.24.9 is too old")
	}
}

// TestDoctor runs the real doctor on the temp workbook: modules, then a
// race build of every kata.
func TestDoctor(t *testing.T) {
	defer noLeaks(t)
	h := newHarness(t)
	out, errOut, code := h.run(t, "", nil, "doctor")
	assert.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "✔ warming the race build cache for every kata")
	assert.Contains(t, out, "All set")
}
