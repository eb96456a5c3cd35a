package tui

import (
	"fmt"

	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
)

// pagerModel shows long text (hints, solutions, the book, raw output) in a
// scrollable viewport.
type pagerModel struct {
	title string
	vp    viewport.Model
}

func newPagerModel() pagerModel {
	return pagerModel{vp: viewport.New(80, 21)}
}

func (p *pagerModel) setSize(w, h int) {
	p.vp.Width, p.vp.Height = w, max(h, 3)
}

func (p *pagerModel) open(title, content string) {
	p.title = title
	p.vp.SetContent(content)
	p.vp.GotoTop()
}

func (p pagerModel) update(msg tea.Msg) (pagerModel, tea.Cmd) {
	var cmd tea.Cmd
	p.vp, cmd = p.vp.Update(msg)
	return p, cmd
}

func (p pagerModel) view(st Styles) string {
	pos := fmt.Sprintf("%3.f%%", p.vp.ScrollPercent()*100)
	return st.Title.Render(p.title) + "\n" + p.vp.View() + "\n" +
		st.Help.Render("↑/↓ pgup/pgdn scroll · esc back · "+pos)
}
