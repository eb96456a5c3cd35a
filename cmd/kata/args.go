package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// parseArgs parses flags that may come before, between or after positional
// arguments (`kata check 01 --json`), which flag.FlagSet alone does not: it
// stops at the first positional. It returns the positionals in order. A
// usage error carries exit code 2; --help (or -h) returns a *helpShown
// whose text main prints on stdout, exiting 0.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var positional []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			return nil, &helpShown{text: helpOf(fs)}
		}
		if err != nil {
			msg := fmt.Sprintf("%v\nusage: %s", err, usageOf(fs))
			if fs.Name() != "kata" {
				msg = fs.Name() + ": " + msg
			}
			return nil, &exitError{code: exitUsage, msg: msg}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if rest[0] == "--" {
			return append(positional, rest[1:]...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// helpShown is what --help "fails" with: the command does not run, and its
// help goes to stdout with exit code 0 (as the flag package does).
type helpShown struct{ text string }

func (h *helpShown) Error() string { return h.text }

// usageOf lists a flag set's flags after the command, wrapped between
// flags so that no line, after "usage: ", is wider than an 80-column
// terminal.
func usageOf(fs *flag.FlagSet) string {
	var b strings.Builder
	b.WriteString("kata")
	if fs.Name() != "kata" { // the app's own flags have no subcommand
		b.WriteString(" " + fs.Name())
	}
	width := len("usage: ") + b.Len()
	fs.VisitAll(func(f *flag.Flag) {
		item := "[--" + f.Name + "]"
		if name, _ := flag.UnquoteUsage(f); name != "" {
			item = "[--" + f.Name + " " + name + "]"
		}
		if width+1+len(item) > termWidth {
			b.WriteString("\n     ")
			width = 5
		}
		b.WriteString(" " + item)
		width += 1 + len(item)
	})
	return b.String()
}

// helpOf is a command's --help: its usage line and each flag with what it
// does, wrapped to 80 columns.
func helpOf(fs *flag.FlagSet) string {
	var b strings.Builder
	b.WriteString("usage: " + usageOf(fs) + "\n")
	fs.VisitAll(func(f *flag.Flag) {
		name, text := flag.UnquoteUsage(f)
		text = ansi.Wordwrap(text, termWidth-6, "")
		fmt.Fprintf(&b, "  %s\n      %s\n", strings.TrimSpace("--"+f.Name+" "+name), strings.ReplaceAll(text, "\n", "\n      "))
	})
	return strings.TrimRight(b.String(), "\n")
}
