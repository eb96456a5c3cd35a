package tui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/gokatas/concurrency/internal/catalog"
)

// routeModel is the route screen: the suggested paths through the katas
// (self-study, a workshop, an onboarding week), one to choose.
type routeModel struct {
	sel int
}

// routeKatas orders all along the route named id; an unknown route (or
// none) keeps every kata in number order.
func routeKatas(all []catalog.Kata, routes []catalog.Route, id string) []catalog.Kata {
	i := slices.IndexFunc(routes, func(r catalog.Route) bool { return r.ID == id })
	if i < 0 {
		return all
	}
	var out []catalog.Kata
	for _, kid := range routes[i].Katas {
		if j := slices.IndexFunc(all, func(k catalog.Kata) bool { return k.ID == kid }); j >= 0 {
			out = append(out, all[j])
		}
	}
	if len(out) == 0 {
		return all
	}
	return out
}

// applyRoute makes id the route the app walks: its katas in its order,
// staying on the current kata when the route has it.
func (m Model) applyRoute(id string) Model {
	cur := ""
	if len(m.katas) > 0 {
		cur = m.kata().ID
	}
	m.state.Route = id
	m.katas = routeKatas(m.all, m.routes, id)
	m.idx = max(slices.IndexFunc(m.katas, func(k catalog.Kata) bool { return k.ID == cur }), 0)
	m.list.refresh(m.katas, m.state)
	return m
}

// routeTitle names the route being walked ("" when there is only one).
func (m Model) routeTitle() string {
	if len(m.routes) < 2 {
		return ""
	}
	for _, r := range m.routes {
		if r.ID == m.state.Route {
			return r.Title
		}
	}
	return m.routes[0].Title
}

func (m Model) openRoutes() (tea.Model, tea.Cmd) {
	if len(m.routes) == 0 {
		m.message = "this workbook suggests no routes"
		return m, nil
	}
	m.route.sel = max(slices.IndexFunc(m.routes, func(r catalog.Route) bool { return r.ID == m.state.Route }), 0)
	m.screen = screenRoute
	return m, nil
}

func (m Model) updateRoute(msg tea.Msg) (tea.Model, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	switch {
	case key.Matches(k, m.keys.Back), key.Matches(k, m.keys.Route):
		m.screen = screenKata
	case key.Matches(k, m.keys.Quit):
		return m.quit()
	case key.Matches(k, m.keys.Up):
		m.route.sel = max(m.route.sel-1, 0)
	case key.Matches(k, m.keys.Down):
		m.route.sel = min(m.route.sel+1, len(m.routes)-1)
	case key.Matches(k, m.keys.Enter):
		r := m.routes[m.route.sel]
		m = m.applyRoute(r.ID)
		m.message = fmt.Sprintf("route: %s (%d katas)", r.Title, len(m.katas))
		next, cmd := m.openKata(m.idx)
		return next, tea.Batch(cmd, saveRoute(m.eng, r.ID))
	}
	return m, nil
}

// routeView lists the routes with how far the learner is on each.
func (m Model) routeView() string {
	st := m.opts.Styles
	var b strings.Builder
	b.WriteString(st.Title.Render("Routes · enter walks one · esc back") + "\n\n")
	for i, r := range m.routes {
		solved := 0
		for _, id := range r.Katas {
			if m.state.Solved[id] {
				solved++
			}
		}
		mark, style := "  ", st.Bold
		if i == m.route.sel {
			mark, style = "▸ ", st.Selected
		}
		current := ""
		if r.ID == m.state.Route || (m.state.Route == "" && i == 0) {
			current = " (walking it)"
		}
		b.WriteString(style.Render(fmt.Sprintf("%s%s%s", mark, r.Title, current)) + "\n")
		b.WriteString(st.Subtle.Width(max(m.width-4, 20)).PaddingLeft(4).Render(
			fmt.Sprintf("%d katas, %d solved · %s", len(r.Katas), solved, r.About)) + "\n")
	}
	return b.String()
}

func saveRoute(eng Engine, id string) tea.Cmd {
	return save(func() error { return eng.SetRoute(id) })
}
