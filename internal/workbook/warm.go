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

// Warm builds, with the race detector, every package the katas' tests
// import (the race-instrumented standard library above all) and that is not
// in the build cache yet, without the katas' own code (a learner's edit that
// does not compile is its check's business): minutes on a fresh machine,
// nothing to do after. report, if set, hears each step in a sentence. An
// error says in words what failed.
func Warm(ctx context.Context, root, goCmd string, report func(string)) error {
	say := func(format string, args ...any) {
		if report != nil {
			report(fmt.Sprintf(format, args...))
		}
	}
	goCmd = cmp.Or(goCmd, "go")
	pkgs, std, err := staleDeps(ctx, root, goCmd)
	if err != nil {
		return err
	}
	if len(pkgs) == 0 {
		say("the race build cache is warm")
		return nil
	}
	if std > 0 {
		say("building %d packages with the race detector, %d of them the race-instrumented standard library: once per machine, minutes on a small laptop", len(pkgs), std)
	} else {
		say("building %d packages with the race detector", len(pkgs))
	}
	start := time.Now()
	res, err := proc.Run(ctx, proc.Cmd{Path: goCmd, Args: append([]string{"build", "-race"}, pkgs...), Dir: root, Env: os.Environ(), MaxOutput: 64 << 10})
	if err != nil {
		return fmt.Errorf("warm-up: go build -race: %w", err)
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("warm-up: go build -race failed (the first check will build again and say why): %s", firstLines(res.Output, 5))
	}
	say("built in %s", time.Since(start).Round(100*time.Millisecond))
	return nil
}

// staleDeps lists the katas' test dependencies outside katas/ that are not
// in the race build cache, and how many of them are in the standard library.
// It reads `go list -json` from stdout alone: the go command's own messages
// ("go: downloading ...") go to stderr and can never be taken for packages.
func staleDeps(ctx context.Context, root, goCmd string) (pkgs []string, std int, err error) {
	var stderr bytes.Buffer
	res, err := proc.Run(ctx, proc.Cmd{Path: goCmd, Args: []string{"list", "-e", "-race", "-deps", "-test", "-json=ImportPath,ForTest,Standard,Stale", "./katas/..."},
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
