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

// Warm builds every package the katas' tests import that is not in the
// build cache yet: with the race detector (the race-instrumented standard
// library above all) for the tests, then without it for go vet, never the
// katas' own code (a learner's edit that does not compile is its check's
// business). Minutes on a fresh machine, nothing to do after. report, if
// set, hears each step in a sentence. An error says in words what failed.
func Warm(ctx context.Context, root, goCmd string, report func(string)) error {
	say := func(format string, args ...any) {
		if report != nil {
			report(fmt.Sprintf(format, args...))
		}
	}
	goCmd = cmp.Or(goCmd, "go")
	for _, race := range []bool{true, false} {
		if err := warmOnce(ctx, root, goCmd, race, say); err != nil {
			return err
		}
	}
	return nil
}

// warmOnce builds the stale dependencies for one build mode.
func warmOnce(ctx context.Context, root, goCmd string, race bool, say func(string, ...any)) error {
	mode, flags := "for go vet", []string{"build"}
	if race {
		mode, flags = "with the race detector", []string{"build", "-race"}
	}
	pkgs, std, err := staleDeps(ctx, root, goCmd, flags[1:])
	if err != nil {
		return err
	}
	switch {
	case len(pkgs) == 0:
		say("the build cache is warm %s", mode)
		return nil
	case race && std > 0:
		say("building %d packages %s, %d of them the race-instrumented standard library: once per machine, minutes on a small laptop", len(pkgs), mode, std)
	default:
		say("building %d packages %s", len(pkgs), mode)
	}
	start := time.Now()
	res, err := proc.Run(ctx, proc.Cmd{Path: goCmd, Args: append(flags, pkgs...), Dir: root, Env: os.Environ(), MaxOutput: 64 << 10})
	if err != nil {
		return fmt.Errorf("warm-up: go %s: %w", strings.Join(flags, " "), err)
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("warm-up: go %s failed (the first check will build again and say why): %s", strings.Join(flags, " "), firstLines(res.Output, 5))
	}
	say("built in %s", time.Since(start).Round(100*time.Millisecond))
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
