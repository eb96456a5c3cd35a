package tui

import (
	"regexp"
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
		out, err := r.Render(LocalLinksAsText(md))
		if err != nil {
			return md
		}
		return strings.Trim(out, "\n")
	}
}

// LocalLinksAsText turns Markdown links to files of the workbook
// ("[kata 01](../katas/01-wg-ordering/README.md)") into their text: in a
// terminal a relative target is noise (glamour prints it after the text).
// Links with a scheme (https://...) and images are kept.
func LocalLinksAsText(md string) string {
	return mdLink.ReplaceAllStringFunc(md, func(link string) string {
		m := mdLink.FindStringSubmatch(link)
		if m[1] == "!" || strings.Contains(m[3], "://") || strings.HasPrefix(m[3], "mailto:") {
			return link
		}
		return m[2]
	})
}

// mdLink matches an inline Markdown link or image: bang, text, target.
var mdLink = regexp.MustCompile(`(!?)\[([^\]]+)\]\(([^)\s]+)\)`)
