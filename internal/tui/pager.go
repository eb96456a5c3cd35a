package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// pagerModel is the scrollable body shared by the hints, solution, book and
// output screens. It keeps how to render its content so a resize can render
// it again at the new width; rendering runs in a tea.Cmd (glamour is not
// free), and a generation number drops renders that a newer one superseded.
type pagerModel struct {
	title   string
	footer  string // screen-specific keys, shown before the scroll position
	content func(width int) string
	gen     int
	vp      viewport.Model
}

func newPagerModel() pagerModel {
	return pagerModel{vp: viewport.New(80, 21)}
}

// setSize fits the viewport in w×h, leaving a line each for title and footer.
func (p *pagerModel) setSize(w, h int) {
	p.vp.Width, p.vp.Height = max(w, 10), max(h-2, 1)
}

// load replaces the content and returns the command that renders it.
func (p *pagerModel) load(s screen, title string, content func(width int) string) tea.Cmd {
	p.title, p.content = title, content
	p.vp.SetContent("…")
	p.vp.GotoTop()
	return p.rerender(s, true)
}

// rerender renders the content again at the viewport's width.
func (p *pagerModel) rerender(s screen, top bool) tea.Cmd {
	p.gen++
	gen, content, width := p.gen, p.content, p.vp.Width
	return func() tea.Msg {
		return renderedMsg{screen: s, gen: gen, content: content(width), top: top}
	}
}

// markdownAt is pager content rendered from Markdown: prose through the
// renderer, fenced code as it is (indented, long lines wrapped with a
// continuation mark), so code never reflows mid-line.
func markdownAt(md string, render func(string, int) string) func(int) string {
	return func(w int) string {
		var b strings.Builder
		for _, seg := range splitFences(md) {
			switch {
			case seg.code:
				b.WriteString(indentLines(wrapCode(seg.text, max(w-4, 10)), "    ") + "\n")
			case strings.TrimSpace(seg.text) != "":
				b.WriteString(render(seg.text, w) + "\n")
			}
		}
		return strings.TrimSuffix(b.String(), "\n")
	}
}

// segment is a run of Markdown prose, or the body of one fenced code block.
type segment struct {
	text string
	code bool
}

// splitFences cuts Markdown at ``` fences.
func splitFences(md string) []segment {
	var segs []segment
	var cur strings.Builder
	inCode := false
	flush := func() {
		segs = append(segs, segment{text: cur.String(), code: inCode})
		cur.Reset()
	}
	for line := range strings.Lines(md) {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			flush()
			inCode = !inCode
			continue
		}
		cur.WriteString(line)
	}
	flush()
	return segs
}

// indentLines puts prefix before every line of s.
func indentLines(s, prefix string) string {
	var b strings.Builder
	for line := range strings.Lines(s) {
		b.WriteString(prefix + line)
	}
	return b.String()
}

// plainAt is pager content of plain text (code, diffs, test output),
// wrapped at the width rather than cut.
func plainAt(text string) func(int) string {
	return func(w int) string { return wrapCode(text, max(w, 10)) }
}

// continued marks the second and later pieces of a code line too long for
// the screen, so a wrapped line never reads as two lines of code.
const continued = "↪ "

// wrapCode breaks each line longer than w into pieces of w cells, the
// later pieces marked with continued and indented like the line. Tabs
// become four spaces, so widths are what the terminal shows.
func wrapCode(text string, w int) string {
	var b strings.Builder
	for line := range strings.Lines(strings.ReplaceAll(text, "\t", "    ")) {
		nl := strings.HasSuffix(line, "\n")
		line = strings.TrimSuffix(line, "\n")
		if ansi.StringWidth(line) <= w {
			b.WriteString(line)
		} else {
			prefix := line[:len(line)-len(strings.TrimLeft(line, " "))] + continued
			if ansi.StringWidth(prefix) > w/2 {
				prefix = continued
			}
			first := ansi.Truncate(line, w, "")
			b.WriteString(first)
			rest := line[len(first):]
			for rest != "" {
				piece := ansi.Truncate(rest, w-ansi.StringWidth(prefix), "")
				if piece == "" {
					break
				}
				b.WriteString("\n" + prefix + piece)
				rest = rest[len(piece):]
			}
		}
		if nl {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// rendered installs a render if it is the latest one.
func (p *pagerModel) rendered(msg renderedMsg) {
	if msg.gen != p.gen {
		return
	}
	off := p.vp.YOffset
	p.vp.SetContent(msg.content)
	if msg.top {
		p.vp.GotoTop()
	} else {
		p.vp.SetYOffset(off)
	}
}

func (p pagerModel) update(msg tea.Msg, keys keyMap) (pagerModel, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok {
		switch {
		case key.Matches(k, keys.Top):
			p.vp.GotoTop()
			return p, nil
		case key.Matches(k, keys.Bottom):
			p.vp.GotoBottom()
			return p, nil
		}
	}
	var cmd tea.Cmd
	p.vp, cmd = p.vp.Update(msg)
	return p, cmd
}

func (p pagerModel) view(st Styles) string {
	pos := fmt.Sprintf("%3.f%%", p.vp.ScrollPercent()*100)
	foot := "↑↓ pgup pgdn home end · esc back"
	if p.footer != "" {
		foot = p.footer + " · " + foot
	}
	return st.Title.Render(truncate(p.title, p.vp.Width)) + "\n" + p.vp.View() + "\n" +
		st.Help.Render(truncate(foot+" · "+pos, p.vp.Width))
}

// truncate cuts s to w cells (s is plain text).
func truncate(s string, w int) string {
	r := []rune(s)
	if w <= 1 || len(r) <= w {
		return s
	}
	return string(r[:w-1]) + "…"
}
