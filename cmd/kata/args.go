package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// parseArgs parses flags that may come before, between or after positional
// arguments (`kata check 01 --json`), which flag.FlagSet alone does not: it
// stops at the first positional. It returns the positionals in order. A
// usage error carries exit code 2.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, &exitError{code: exitUsage, msg: fmt.Sprintf("%s: %v\nusage: %s", fs.Name(), err, usageOf(fs))}
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

// usageOf lists a flag set's flags on one line.
func usageOf(fs *flag.FlagSet) string {
	var b strings.Builder
	b.WriteString("kata " + fs.Name())
	fs.VisitAll(func(f *flag.Flag) {
		name, _ := flag.UnquoteUsage(f)
		if name == "" {
			fmt.Fprintf(&b, " [--%s]", f.Name)
		} else {
			fmt.Fprintf(&b, " [--%s %s]", f.Name, name)
		}
	})
	return b.String()
}
