package tui

import (
	"regexp"
	"strings"
	"sync"

	"github.com/charmbracelet/glamour"
	"github.com/charmbracelet/glamour/ansi"
	"github.com/charmbracelet/glamour/styles"
)

// NewMarkdown returns a Markdown renderer for Options.Markdown: glamour in
// the given standard style ("dark", "light", "auto", or "ascii" for
// NO_COLOR: plain text, inline code in backticks, bold in "**"),
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
			look := glamour.WithStandardStyle(style)
			if style == "ascii" {
				look = glamour.WithStyles(plainStyle())
			}
			r, err = glamour.NewTermRenderer(look, glamour.WithWordWrap(wrap))
			if err != nil {
				return md
			}
			byWidth[wrap] = r
		}
		md = LocalLinksAsText(md)
		if style == "ascii" {
			md = codeInBoldAsText(md)
		}
		out, err := r.Render(md)
		if err != nil {
			return md
		}
		return strings.Trim(out, "\n")
	}
}

// plainStyle is glamour's ASCII style with inline code marked by backticks,
// as in the Markdown source (the ASCII style leaves it unmarked).
func plainStyle() ansi.StyleConfig {
	st := styles.ASCIIStyleConfig
	st.Code.BlockPrefix, st.Code.BlockSuffix = "", ""
	st.Code.Prefix, st.Code.Suffix = "`", "`"
	return st
}

// codeInBoldAsText drops the backticks of code inside bold text
// ("**`Add` ran inside**" becomes "**Add ran inside**"): in its ASCII style
// glamour marks such code with the bold's "**" and loses the bold's opening
// marker ("Add** ran inside**"). The bold markers still set it apart.
func codeInBoldAsText(md string) string {
	return mdBold.ReplaceAllStringFunc(md, func(b string) string { return strings.ReplaceAll(b, "`", "") })
}

// mdBold matches bold text on one line: **...**.
var mdBold = regexp.MustCompile(`\*\*[^*\n]+\*\*`)

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
