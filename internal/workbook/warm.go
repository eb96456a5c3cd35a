package workbook

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/mod/modfile"

	"github.com/gokatas/concurrency/internal/proc"
)

// listed is the part of a `go list -json` package record the warm-up reads.
type listed struct {
	ImportPath string
	ForTest    string
	Standard   bool
	Stale      bool
}

// WarmStep is one step of the warm-up, for a caller that shows progress.
type WarmStep struct {
	// Race: the step builds with the race detector (else without it, for go vet).
	Race bool
	// Packages is how many packages are not in the build cache (0: the
	// cache is warm for this mode, nothing is built); Std counts those of
	// the standard library (with Race: the race-instrumented standard
	// library is really being built).
	Packages, Std int
	// Building: the build starts now. Done: it ended after Elapsed.
	// Neither, with Packages 0: nothing to build.
	Building, Done bool
	Elapsed        time.Duration
}

// String is the step in a sentence (kata doctor prints it).
func (s WarmStep) String() string {
	mode := "for go vet"
	if s.Race {
		mode = "with the race detector"
	}
	switch {
	case s.Done:
		return fmt.Sprintf("built in %s", s.Elapsed.Round(100*time.Millisecond))
	case s.Packages == 0:
		return "the build cache is warm " + mode
	case s.Race && s.Std > 0:
		return fmt.Sprintf("building %s %s, %d of them the race-instrumented standard library: once per machine, minutes on a small laptop", packages(s.Packages), mode, s.Std)
	}
	return fmt.Sprintf("building %s %s", packages(s.Packages), mode)
}

// packages is "1 package" or "n packages".
func packages(n int) string {
	if n == 1 {
		return "1 package"
	}
	return fmt.Sprintf("%d packages", n)
}

// Warm builds every package the katas' tests import that is not in the
// build cache yet: with the race detector (the race-instrumented standard
// library above all) for the tests, then without it for go vet, never the
// katas' own code (a learner's edit that does not compile is its check's
// business). Minutes on a fresh machine, nothing to do after. report, if
// set, hears each step in a sentence. An error says in words what failed.
func Warm(ctx context.Context, root, goCmd string, report func(string)) error {
	return WarmSteps(ctx, root, goCmd, func(s WarmStep) {
		if report != nil {
			report(s.String())
		}
	})
}

// WarmSteps is Warm reporting each step as a WarmStep, so that a caller can
// tell whether anything is really being built.
func WarmSteps(ctx context.Context, root, goCmd string, report func(WarmStep)) error {
	if report == nil {
		report = func(WarmStep) {}
	}
	goCmd = cmp.Or(goCmd, "go")
	for _, race := range []bool{true, false} {
		if err := warmOnce(ctx, root, goCmd, race, report); err != nil {
			return err
		}
	}
	return nil
}

// warmOnce builds the stale dependencies for one build mode.
func warmOnce(ctx context.Context, root, goCmd string, race bool, report func(WarmStep)) error {
	flags := []string{"build"}
	if race {
		flags = []string{"build", "-race"}
	}
	pkgs, std, err := staleDeps(ctx, root, goCmd, flags[1:])
	if err != nil {
		return err
	}
	step := WarmStep{Race: race, Packages: len(pkgs), Std: std}
	if len(pkgs) == 0 {
		report(step)
		return nil
	}
	step.Building = true
	report(step)
	start := time.Now()
	res, err := proc.Run(ctx, proc.Cmd{Path: goCmd, Args: append(flags, pkgs...), Dir: root, Env: os.Environ(), MaxOutput: 64 << 10})
	if err != nil {
		return fmt.Errorf("warm-up: go %s: %w", strings.Join(flags, " "), err)
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("warm-up: go %s failed (the first check will build again and say why): %s", strings.Join(flags, " "), firstLines(res.Output, 5))
	}
	step.Building, step.Done, step.Elapsed = false, true, time.Since(start)
	report(step)
	return nil
}

// staleDeps lists the katas' test dependencies outside katas/ that are not
// in the build cache for the build flags, and how many of them are in the
// standard library.
// It reads `go list -json` from stdout alone: the go command's own messages
// ("go: downloading ...") go to stderr and can never be taken for packages.
func staleDeps(ctx context.Context, root, goCmd string, flags []string) (pkgs []string, std int, err error) {
	var stderr bytes.Buffer
	args := append(append([]string{"list", "-e"}, flags...), "-deps", "-test", "-json=ImportPath,ForTest,Standard,Stale", "./katas/...")
	res, err := proc.Run(ctx, proc.Cmd{Path: goCmd, Args: args,
		Dir: root, Env: os.Environ(), Timeout: 15 * time.Minute, MaxOutput: 64 << 20, Stderr: &stderr})
	if err != nil {
		return nil, 0, fmt.Errorf("warm-up: go list: %w", err)
	}
	if res.ExitCode != 0 || res.Truncated {
		return nil, 0, fmt.Errorf("warm-up: go list could not list the katas' packages (exit status %d): %s", res.ExitCode, firstLines(stderr.Bytes(), 5))
	}
	katas := modulePath(root) + "/katas/"
	dec := json.NewDecoder(bytes.NewReader(res.Output))
	for {
		var p listed
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			return pkgs, std, nil
		} else if err != nil {
			return nil, 0, fmt.Errorf("warm-up: reading go list -json: %w", err)
		}
		if p.ForTest != "" || strings.HasSuffix(p.ImportPath, ".test") || strings.HasPrefix(p.ImportPath, katas) || !p.Stale {
			continue
		}
		pkgs = append(pkgs, p.ImportPath)
		if p.Standard {
			std++
		}
	}
}

// modulePath is the module path in root/go.mod ("" when unreadable).
func modulePath(root string) string {
	data, err := os.ReadFile(root + string(os.PathSeparator) + "go.mod")
	if err != nil {
		return ""
	}
	return modfile.ModulePath(data)
}

// firstLines is the first n lines of out, trimmed, on one line each.
func firstLines(out []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) > n {
		lines = append(lines[:n], "...")
	}
	return strings.Join(lines, "\n")
}
