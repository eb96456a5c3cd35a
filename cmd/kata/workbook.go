package main

import (
	"bufio"
	"flag"
	"fmt"
	"strings"

	"github.com/gokatas/concurrency/internal/catalog"
	wbook "github.com/gokatas/concurrency/internal/workbook"
)

// workbook is the opened workbook (internal/workbook) as the commands use it.
type workbook struct {
	*wbook.Workbook
	cat *catalog.Catalog // the catalog, Workbook.Catalog
}

// openWorkbook finds the workbook around the working folder and opens it,
// with warnings on stderr.
func openWorkbook(e *env) (*workbook, error) {
	root, err := catalog.FindRoot(e.dir)
	if err != nil {
		return nil, &exitError{code: exitUsage, msg: err.Error()}
	}
	w, err := wbook.Open(root, stateDir(e, root), func(m string) { fmt.Fprintln(e.stderr, "kata: warning:", m) })
	if err != nil {
		return nil, &exitError{code: exitUsage, msg: err.Error()}
	}
	return &workbook{Workbook: w, cat: w.Catalog}, nil
}

// kata resolves an optional KATA argument: the named kata, else the current one.
func (w *workbook) kata(names []string) (catalog.Kata, error) {
	if len(names) > 1 {
		return catalog.Kata{}, &exitError{code: exitUsage, msg: "one KATA at a time, please"}
	}
	if len(names) == 1 {
		k, err := w.cat.Resolve(names[0])
		if err != nil {
			return catalog.Kata{}, &exitError{code: exitUsage, msg: err.Error()}
		}
		return k, nil
	}
	s, err := w.Store.Load()
	if err != nil {
		return catalog.Kata{}, err
	}
	return w.Current(s), nil
}

// openKata is the start of every command about one kata: parse its flags
// (before or after KATA), open the workbook, resolve KATA or the current kata.
func openKata(e *env, fs *flag.FlagSet, args []string) (*workbook, catalog.Kata, error) {
	names, err := parseArgs(fs, args)
	if err != nil {
		return nil, catalog.Kata{}, err
	}
	w, err := openWorkbook(e)
	if err != nil {
		return nil, catalog.Kata{}, err
	}
	k, err := w.kata(names)
	if err != nil {
		return nil, catalog.Kata{}, err
	}
	return w, k, nil
}

// confirm asks a yes/no question on a terminal; elsewhere it needs --yes.
func confirm(e *env, yes bool, question string) (bool, error) {
	if yes {
		return true, nil
	}
	if !e.stdinTTY {
		return false, &exitError{code: exitFailing, msg: question + " Not a terminal: pass --yes to confirm."}
	}
	// The question wraps before the prompt, so [y/N] never sits alone on a line.
	fmt.Fprintf(e.stderr, "%s [y/N] ", fitLines(question, termWidth-len(" [y/N] ")))
	line, _ := bufio.NewReader(e.stdin).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}
