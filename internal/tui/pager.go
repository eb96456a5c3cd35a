package tui

import (
	"fmt"

	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
)

// pagerModel is the scrollable body shared by the hints, solution, book and
// output screens. It keeps the source text so a resize can re-render it at
// the new width; rendering runs in a tea.Cmd (glamour is not free), and a
// generation number drops renders that a newer one superseded.
type pagerModel struct {
	title    string
	footer   string // screen-specific keys, shown before the scroll position
	source   string
	markdown bool
	gen      int
	vp       viewport.Model
}

func newPagerModel() pagerModel {
	return pagerModel{vp: viewport.New(80, 21)}
}

// setSize fits the viewport in w×h, leaving a line each for title and footer.
func (p *pagerModel) setSize(w, h int) {
	p.vp.Width, p.vp.Height = max(w, 10), max(h-2, 1)
}

// load replaces the source and returns the command that renders it.
func (p *pagerModel) load(s screen, title, source string, markdown bool, render func(string, int) string) tea.Cmd {
	p.title, p.source, p.markdown = title, source, markdown
	p.vp.SetContent("…")
	p.vp.GotoTop()
	return p.rerender(s, render, true)
}

// rerender renders the source again at the viewport's width.
func (p *pagerModel) rerender(s screen, render func(string, int) string, top bool) tea.Cmd {
	p.gen++
	gen, src, width, md := p.gen, p.source, p.vp.Width, p.markdown
	return func() tea.Msg {
		out := src
		if md {
			out = render(src, width)
		}
		return renderedMsg{screen: s, gen: gen, content: out, top: top}
	}
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

func (p pagerModel) update(msg tea.Msg) (pagerModel, tea.Cmd) {
	var cmd tea.Cmd
	p.vp, cmd = p.vp.Update(msg)
	return p, cmd
}

func (p pagerModel) view(st Styles) string {
	pos := fmt.Sprintf("%3.f%%", p.vp.ScrollPercent()*100)
	foot := "↑/↓ pgup/pgdn scroll · esc back"
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
