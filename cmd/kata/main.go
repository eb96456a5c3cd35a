// Command kata is the workbook's runner: a TUI in a terminal, plain
// subcommands otherwise. See `kata help`.
package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/charmbracelet/x/ansi"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"

	"golang.org/x/term"
)

// Exit codes of the binary.
const (
	exitOK      = 0
	exitFailing = 1
	exitUsage   = 2
	exitSIGINT  = 130
)

// exitError carries an exit code; its message (if any) goes to stderr.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// env is what a command needs from the process: streams and the working folder.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	dir            string
	getenv         func(string) string
	// stdinTTY/stdoutTTY report whether the streams are terminals.
	stdinTTY, stdoutTTY bool
}

// command is one subcommand; each lives in its own file.
type command struct {
	name    string
	usage   string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() []command {
	return []command{
		{"list", "kata list [--json]", "the katas and your progress", cmdList},
		{"check", "kata check [KATA] [--json]", "run a kata's tests under -race with goleak and go vet; exit 0 if solved", cmdCheck},
		{"hint", "kata hint [KATA] [--level N]", "the next hint (or hint N)", cmdHint},
		{"solution", "kata solution [KATA] [--diff] [--reveal] [--yes]", "the official solution and its explanation, once solved", cmdSolution},
		{"reset", "kata reset [KATA|--all] [--yes]", "restore the original kata files (yours are backed up first)", cmdReset},
		{"book", "kata book [KATA|PAGE]", "a kata's chapter by number, another page by name (or the contents)", cmdBook},
		{"doctor", "kata doctor", "check Go, cgo and the race detector; fetch modules; warm the build cache", cmdDoctor},
		{"explain", "go test -json ./... | kata explain [--json]", "explain the findings of any go test -json stream", cmdExplain},
		{"new", "kata new NAME", "scaffold a kata of your own (see docs/authoring.md)", cmdNew},
		{"trace", "kata trace [KATA] [--test NAME] [--json] [--out FILE]", "run the tests once with the execution tracer: the goroutines' timeline", cmdTrace},
		{"verify", "kata verify [--runs N] [--stress] [KATA...]", "prove every kata fails as declared, wrong fixes fail, right fixes pass", cmdVerify},
	}
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == spinArg {
		spin() // a busy process of kata verify --stress
	}
	// SIGTERM (kill, a closing terminal multiplexer) stops as cleanly as
	// Ctrl-C: child process groups killed, busy processes stopped.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	wd, _ := os.Getwd()
	e := &env{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, dir: wd, getenv: os.Getenv,
		stdinTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		stdoutTTY: term.IsTerminal(int(os.Stdout.Fd())),
	}
	err := run(ctx, e, os.Args[1:])
	code := exitCode(ctx, err)
	var help *helpShown
	switch {
	case code == exitSIGINT:
		fmt.Fprintln(os.Stderr, "kata: interrupted")
	case errors.As(err, &help):
		fmt.Fprintln(os.Stdout, help.text)
	case err != nil && err.Error() != "":
		fmt.Fprintln(os.Stderr, fitLines("kata: "+err.Error(), termWidth))
	}
	stop()
	os.Exit(code)
}

// termWidth is the width messages are wrapped to: an 80-column terminal.
const termWidth = 80

// fitLines wraps every line of s at spaces to width cells (a word longer
// than that stays whole), so no message runs off an 80-column terminal.
func fitLines(s string, width int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = ansi.Wordwrap(l, width, "")
	}
	return strings.Join(lines, "\n")
}

func exitCode(ctx context.Context, err error) int {
	var ee *exitError
	var help *helpShown
	switch {
	case ctx.Err() != nil:
		return exitSIGINT
	case err == nil, errors.As(err, &help):
		return exitOK
	case errors.As(err, &ee):
		return ee.code
	default:
		return exitFailing
	}
}

// run runs the command named by args[0]; no command (or only the app's
// flags) is the guided app in a terminal and the list elsewhere.
func run(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || (strings.HasPrefix(args[0], "-") && !isHelp(args[0]) && !isVersion(args[0])) {
		f, err := parseAppFlags(e, args)
		if err != nil {
			return err
		}
		if e.stdinTTY && e.stdoutTTY {
			return runTUI(ctx, e, f)
		}
		return cmdList(ctx, e, nil)
	}
	switch {
	case isHelp(args[0]):
		usage(e.stdout)
		return nil
	case isVersion(args[0]):
		fmt.Fprintln(e.stdout, version())
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	usage(e.stderr)
	return &exitError{code: exitUsage, msg: fmt.Sprintf("unknown command %q", args[0])}
}

func isHelp(arg string) bool {
	return slices.Contains([]string{"help", "-h", "-help", "--help"}, arg)
}

func isVersion(arg string) bool {
	return slices.Contains([]string{"version", "-version", "--version"}, arg)
}

// version is the module version the binary was built from (with the VCS
// revision when known), and the Go release that built it.
func version() string {
	v, rev, dirty := "(devel)", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		v = bi.Main.Version
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value[:min(12, len(s.Value))]
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if rev != "" {
		v += " " + rev
		if dirty {
			v += "+dirty"
		}
	}
	return fmt.Sprintf("kata %s (%s)", v, runtime.Version())
}

// usage prints the command listing.
func usage(w io.Writer) {
	fmt.Fprintln(w, "kata: learn Go concurrency by fixing broken code.")
	fmt.Fprintln(w)
	// Each command on its line, its summary indented below: every line
	// fits 80 columns.
	lines := append([]command{{usage: "kata [--manual] [--poll] [--route ROUTE]", summary: "the guided app in a terminal; the list elsewhere"}}, commands()...)
	for _, c := range lines {
		fmt.Fprintf(w, "  %s\n      %s\n", c.usage, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, strings.TrimSpace(`
KATA is 01, 1, 01-wg-ordering or wg-ordering; without it, the current kata.
Flags may come before or after KATA. --json prints exactly one JSON document.
Exit codes: 0 ok/solved, 1 not solved/findings/refused, 2 usage or environment,
130 interrupted.
In the app, --manual turns file watching off, --poll watches by polling (WSL
/mnt, network drives), --route walks a route (self-study, workshop, onboarding).
Progress lives in .kata/ at the repository root (KATA_STATE_DIR moves it).
KATA_LOCK_SOLUTIONS=1 turns --reveal off (workshops). kata --version prints the
version.`))
}

// checkRoute refuses a route the workbook does not suggest.
func checkRoute(e *env, route string) error {
	w, err := openWorkbook(e)
	if err != nil {
		return err
	}
	if _, err := w.cat.Route(route); err != nil {
		return &exitError{code: exitUsage, msg: err.Error()}
	}
	return nil
}
