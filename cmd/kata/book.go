package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/charmbracelet/glamour"
)

// cmdBook is `kata book [KATA]`: a chapter, rendered in a terminal and plain
// Markdown when piped. Without KATA: the book's contents.
func cmdBook(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("book", flag.ContinueOnError)
	names, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	w, err := openWorkbook(e)
	if err != nil {
		return err
	}
	rel := "book/SUMMARY.md"
	if len(names) > 0 {
		k, err := w.kata(names)
		if err != nil {
			return err
		}
		rel = k.Chapter
	}
	data, err := os.ReadFile(filepath.Join(w.cat.Root, filepath.FromSlash(rel)))
	if err != nil {
		return fmt.Errorf("book: %w", err)
	}
	fmt.Fprint(e.stdout, renderMarkdown(e, string(data)))
	return nil
}

// renderMarkdown renders Markdown for a terminal with glamour, and returns
// it unchanged when stdout is not a terminal or NO_COLOR is set.
func renderMarkdown(e *env, md string) string {
	if !e.stdoutTTY || e.getenv("NO_COLOR") != "" {
		return md
	}
	r, err := glamour.NewTermRenderer(glamour.WithAutoStyle(), glamour.WithWordWrap(100))
	if err != nil {
		return md
	}
	out, err := r.Render(md)
	if err != nil {
		return md
	}
	return out
}
