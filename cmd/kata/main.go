// Command kata is the workbook's runner: a TUI in a terminal, plain
// subcommands otherwise. See `kata help`.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

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
		{"check", "kata check [KATA] [--json]", "run a kata's tests under -race with goleak and go vet; exit 0 when solved", cmdCheck},
		{"hint", "kata hint [KATA] [--level N]", "the next hint (or hint N)", cmdHint},
		{"solution", "kata solution [KATA] [--diff] [--reveal] [--yes]", "the official solution and its explanation, once solved", cmdSolution},
		{"reset", "kata reset [KATA|--all] [--yes]", "restore the original kata files (yours are backed up first)", cmdReset},
		{"book", "kata book [KATA]", "the book chapter of a kata (or the contents)", cmdBook},
		{"doctor", "kata doctor", "check Go, cgo and the race detector; download modules; warm the build cache", cmdDoctor},
		{"explain", "go test -json ./... | kata explain [--json]", "explain the findings of any go test -json stream", cmdExplain},
		{"verify", "kata verify [--runs N] [--json] [KATA...]", "prove every kata fails for its declared reasons and every solution passes", cmdVerify},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	wd, _ := os.Getwd()
	e := &env{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, dir: wd, getenv: os.Getenv,
		stdinTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		stdoutTTY: term.IsTerminal(int(os.Stdout.Fd())),
	}
	err := run(ctx, e, os.Args[1:])
	code := exitCode(ctx, err)
	if err != nil && err.Error() != "" {
		fmt.Fprintln(os.Stderr, "kata:", err)
	}
	stop()
	os.Exit(code)
}

func exitCode(ctx context.Context, err error) int {
	var ee *exitError
	switch {
	case ctx.Err() != nil:
		return exitSIGINT
	case err == nil:
		return exitOK
	case errors.As(err, &ee):
		return ee.code
	default:
		return exitFailing
	}
}

func run(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		if e.stdinTTY && e.stdoutTTY {
			return runTUI(ctx, e, args)
		}
		return cmdList(ctx, e, nil)
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		usage(e.stdout)
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

func usage(w io.Writer) {
	fmt.Fprintln(w, "kata: learn Go concurrency by fixing broken code.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "  kata                 the guided app (in a terminal), else the list")
	width := 0
	for _, c := range commands() {
		width = max(width, len(c.usage))
	}
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-*s  %s\n", width, c.usage, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, strings.TrimSpace(`
KATA is 01, 1, 01-wg-ordering or wg-ordering; without it, the current kata.
Flags may come before or after KATA. --json prints exactly one JSON document.
Exit codes: 0 ok/solved, 1 not solved/findings/refused, 2 usage or environment, 130 interrupted.
Progress lives in .kata/ at the repository root (KATA_STATE_DIR moves it).`))
}
