package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/gokatas/concurrency/internal/tui"
	wbook "github.com/gokatas/concurrency/internal/workbook"
)

// cmdBook is `kata book [KATA|PAGE]`: a chapter, rendered in a terminal and plain
// Markdown when piped. Without KATA: the book's contents, or the current
// kata's chapter when the book has none (workbook.BookFile).
func cmdBook(ctx context.Context, e *env, args []string) error {
	names, err := parseArgs(flag.NewFlagSet("book", flag.ContinueOnError), args)
	if err != nil {
		return err
	}
	w, err := openWorkbook(e)
	if err != nil {
		return err
	}
	rel, err := w.BookFile(strings.Join(names, " "))
	var notInBook *wbook.NotInBookError
	if errors.As(err, &notInBook) {
		return &exitError{code: exitUsage, msg: err.Error()}
	}
	if err != nil {
		return err
	}
	data, err := os.ReadFile(w.cat.Path(rel))
	if errors.Is(err, fs.ErrNotExist) {
		return &exitError{code: exitFailing, msg: fmt.Sprintf("this copy of the workbook has no %s", rel)}
	}
	if err != nil {
		return fmt.Errorf("book: %w", err)
	}
	fmt.Fprint(e.stdout, renderMarkdown(e, string(data)))
	return nil
}

// renderMarkdown renders Markdown for a terminal (the app's renderer,
// in the terminal's light or dark style, local links as their text), and
// returns it unchanged when stdout is not a terminal or NO_COLOR is set.
func renderMarkdown(e *env, md string) string {
	if !e.stdoutTTY || e.getenv("NO_COLOR") != "" {
		return md
	}
	return tui.NewMarkdown("auto")(md, 104)
}
