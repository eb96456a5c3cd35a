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
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() []command {
	return []command{
		{name: "explain", summary: "read a go test -json stream on stdin and explain its findings", run: cmdExplain},
		{name: "verify", summary: "prove every kata fails for its declared reasons and every solution passes", run: cmdVerify},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	wd, _ := os.Getwd()
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, dir: wd, getenv: os.Getenv}
	err := run(ctx, e, os.Args[1:])
	code := exitCode(ctx, err)
	if err != nil && err.Error() != "" {
		fmt.Fprintln(os.Stderr, "kata:", err)
	}
	stop()
	os.Exit(code)
}

func exitCode(ctx context.Context, err error) int {
	if ctx.Err() != nil {
		return exitSIGINT
	}
	var ee *exitError
	switch {
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
		return &exitError{code: exitUsage, msg: "usage: kata <command> (TODO: list/TUI)"}
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	return &exitError{code: exitUsage, msg: fmt.Sprintf("unknown command %q", args[0])}
}
