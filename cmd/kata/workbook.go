package main

import (
	"bufio"
	"flag"
	"fmt"
	"strings"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/pristine"
	"github.com/gokatas/concurrency/internal/progress"
)

// workbook is the loaded catalog and the learner's progress store.
type workbook struct {
	cat   *catalog.Catalog
	store progress.Store
	state string // state folder
}

// openWorkbook finds and loads the workbook around the working folder and
// snapshots the shipped originals while they are still untouched.
func openWorkbook(e *env) (*workbook, error) {
	c, err := loadCatalog(e)
	if err != nil {
		return nil, err
	}
	dir := stateDir(e, c.Root)
	if err := pristine.Snapshot(c, dir); err != nil {
		fmt.Fprintln(e.stderr, "kata: warning:", err)
	}
	return &workbook{cat: c, state: dir, store: progress.Store{Dir: dir, Warn: func(m string) { fmt.Fprintln(e.stderr, "kata: warning:", m) }}}, nil
}

// kata resolves an optional KATA argument: the named kata, else the current
// one (chosen last), else the first pending one.
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
	s, err := w.store.Load()
	if err != nil {
		return catalog.Kata{}, err
	}
	return current(w.cat, s), nil
}

// current is the kata the learner is on: chosen last, else the first pending.
func current(c *catalog.Catalog, s *progress.State) catalog.Kata {
	return c.Katas[max(0, c.Index(s.CurrentKata(ids(c))))]
}

// ids lists the catalog's kata IDs in order.
func ids(c *catalog.Catalog) []string {
	out := make([]string, len(c.Katas))
	for i, k := range c.Katas {
		out[i] = k.ID
	}
	return out
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
	fmt.Fprintf(e.stderr, "%s [y/N] ", question)
	line, _ := bufio.NewReader(e.stdin).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}
