// Package toolchain checks what the workbook needs from the machine: a go
// command of version 1.25 or newer, and for the race detector cgo with a C
// compiler. It says what to install, per operating system, when something
// is missing.
package toolchain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// MinMinor is the lowest Go 1.x release the workbook supports.
const MinMinor = 25

// Info is what a probe found.
type Info struct {
	// GoVersion is e.g. "go1.26.8"; empty when no go command was found.
	GoVersion string
	// GOOS and GOARCH are the go command's target platform.
	GOOS, GOARCH string
	// CgoEnabled is go env CGO_ENABLED.
	CgoEnabled bool
	// CC is the C compiler go would use, and CCPath where it was found ("" = not found).
	CC, CCPath string
}

// Problem is something missing, with what to do about it.
type Problem struct {
	// Fatal problems stop the workbook; others only switch off race checks.
	Fatal bool
	// What is missing, in a sentence.
	What string
	// Fix says what to install or set.
	Fix string
}

// ErrNoGo means there is no go command to run. Its message says what to
// install.
var ErrNoGo = errors.New("the go command was not found: install Go 1.25 or newer (https://go.dev/dl/) and put it on PATH")

// Probe asks the go command about itself.
func Probe(ctx context.Context, goCmd string) (Info, error) {
	if goCmd == "" {
		goCmd = "go"
	}
	if _, err := exec.LookPath(goCmd); err != nil {
		return Info{}, ErrNoGo
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, goCmd, "env", "-json", "GOVERSION", "GOOS", "GOARCH", "CGO_ENABLED", "CC").Output()
	if err != nil {
		return Info{}, fmt.Errorf("go env: %w", err)
	}
	var env map[string]string
	if err := json.Unmarshal(out, &env); err != nil {
		return Info{}, fmt.Errorf("go env: %w", err)
	}
	info := Info{GoVersion: env["GOVERSION"], GOOS: env["GOOS"], GOARCH: env["GOARCH"], CgoEnabled: env["CGO_ENABLED"] == "1", CC: env["CC"]}
	if cc := strings.Fields(info.CC); len(cc) > 0 {
		if p, err := exec.LookPath(cc[0]); err == nil {
			info.CCPath = p
		}
	}
	return info, nil
}

var versionRE = regexp.MustCompile(`^go1\.(\d+)`)

// VersionOK reports whether the go command is new enough.
func (i Info) VersionOK() bool {
	m := versionRE.FindStringSubmatch(i.GoVersion)
	if m == nil {
		return strings.HasPrefix(i.GoVersion, "devel")
	}
	n, _ := strconv.Atoi(m[1])
	return n >= MinMinor
}

// RaceOK reports whether -race can work here: on macOS always (the race
// runtime needs no cgo there since Go 1.20, cmd/go/internal/work/init.go),
// elsewhere with cgo on and a C compiler found.
func (i Info) RaceOK() bool { return !i.raceNeedsCgo() || (i.CgoEnabled && i.CCPath != "") }

// raceNeedsCgo reports whether -race needs cgo and a C compiler on this platform.
func (i Info) raceNeedsCgo() bool { return i.GOOS != "darwin" }

// Problems lists what is missing, most serious first.
func (i Info) Problems() []Problem {
	var out []Problem
	if !i.VersionOK() {
		out = append(out, Problem{Fatal: true,
			What: fmt.Sprintf("Go %s is too old: the workbook needs Go 1.%d or newer", i.GoVersion, MinMinor),
			Fix:  "install a current Go from https://go.dev/dl/ (or let the go command fetch it: GOTOOLCHAIN=auto)"})
	}
	if !i.raceNeedsCgo() {
		return out
	}
	if !i.CgoEnabled {
		out = append(out, Problem{What: "cgo is disabled (CGO_ENABLED=0), and the race detector needs it",
			Fix: "unset CGO_ENABLED or run `go env -w CGO_ENABLED=1`, with a C compiler installed"})
	}
	if i.CCPath == "" {
		out = append(out, Problem{What: fmt.Sprintf("no C compiler (%q) on PATH, and the race detector needs one", i.CC), Fix: compilerFix(i.GOOS)})
	}
	return out
}

// compilerFix says how to install a C compiler on goos.
func compilerFix(goos string) string {
	switch goos {
	case "windows":
		return "install a C compiler such as MinGW-w64 gcc (for example from MSYS2) and put it on PATH, or use WSL 2 with the Linux instructions"
	default:
		return "install gcc: sudo apt-get install gcc (Debian/Ubuntu), sudo dnf install gcc (Fedora), sudo apk add build-base (Alpine)"
	}
}
