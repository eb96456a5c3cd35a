package tui

import (
	"strings"
	"sync"

	"github.com/charmbracelet/glamour"
)

// NewMarkdown returns a Markdown renderer for Options.Markdown: glamour in
// the given standard style ("dark", "light", or "notty" for NO_COLOR),
// wrapped to the width it is called with. Renderers are built once per
// width (building one loads the style and the highlighter) and shared by
// the commands that render, hence the lock.
func NewMarkdown(style string) func(md string, width int) string {
	var mu sync.Mutex
	byWidth := map[int]*glamour.TermRenderer{}
	return func(md string, width int) string {
		wrap := max(width-4, 20)
		mu.Lock()
		defer mu.Unlock()
		r, ok := byWidth[wrap]
		if !ok {
			var err error
			r, err = glamour.NewTermRenderer(glamour.WithStandardStyle(style), glamour.WithWordWrap(wrap))
			if err != nil {
				return md
			}
			byWidth[wrap] = r
		}
		out, err := r.Render(md)
		if err != nil {
			return md
		}
		return strings.Trim(out, "\n")
	}
}
