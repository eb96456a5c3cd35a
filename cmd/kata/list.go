package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"github.com/charmbracelet/x/ansi"
	"path"
	"text/tabwriter"

	wbook "github.com/gokatas/concurrency/internal/workbook"
)

// listDoc is the document `kata list --json` prints.
type listDoc struct {
	Schema  int         `json:"schema"`
	Current string      `json:"current"`
	Solved  int         `json:"solved"`
	Total   int         `json:"total"`
	Katas   []wbook.Row `json:"katas"`
}

// cmdList is `kata list [--json]`.
func cmdList(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print one JSON document")
	if names, err := parseArgs(fs, args); err != nil {
		return err
	} else if len(names) > 0 {
		return &exitError{code: exitUsage, msg: "list takes no KATA"}
	}
	w, err := openWorkbook(e)
	if err != nil {
		return err
	}
	s, err := w.Store.Load()
	if err != nil {
		return err
	}
	cur := w.Current(s)
	rows, solved := w.List(s)
	if *asJSON {
		return writeJSON(e, listDoc{Schema: jsonSchema, Current: cur.ID, Solved: solved, Total: len(rows), Katas: rows})
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	// 80 columns: the files to edit are in --json and after "Next".
	fmt.Fprintln(tw, "  \tKATA\tTITLE\tSTATUS\tMIN")
	for _, r := range rows {
		mark := ""
		if r.Current {
			mark = ">"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", mark, r.ID, ansi.Truncate(r.Title, 36, "…"), r.Status, r.Minutes)
	}
	tw.Flush()
	fmt.Fprintln(e.stdout)
	if solved == len(rows) {
		fmt.Fprintf(e.stdout, "All %d katas solved. kata book for the chapters, kata help for more.\n", solved)
		return nil
	}
	fmt.Fprintf(e.stdout, "%d of %d solved. Next: edit %s, then kata check %s\n", solved, len(rows), path.Join(cur.Dir, cur.Files[0]), cur.Num())
	return nil
}

// writeJSON prints v as the one JSON document on stdout.
func writeJSON(e *env, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}
