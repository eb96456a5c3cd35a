package tui

import (
	"fmt"

	"github.com/charmbracelet/bubbles/list"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/gokatas/concurrency/internal/catalog"
)

// kataItem is one row of the list screen.
type kataItem struct {
	index  int
	kata   catalog.Kata
	solved bool
}

func (i kataItem) Title() string {
	status := "pending"
	if i.solved {
		status = "solved ✔"
	}
	return fmt.Sprintf("%s  %s  [%s]", i.kata.ID, i.kata.Title, status)
}
func (i kataItem) Description() string {
	return fmt.Sprintf("%d min · %s", i.kata.Minutes, i.kata.Summary)
}
func (i kataItem) FilterValue() string { return i.kata.ID + " " + i.kata.Title }

// listModel is the list screen: every kata, filterable, to jump to any.
type listModel struct {
	l list.Model
}

func newListModel(katas []catalog.Kata, _ Styles) listModel {
	l := list.New(nil, list.NewDefaultDelegate(), 80, 22)
	l.Title = "Katas — enter opens, / filters, esc goes back"
	l.SetShowHelp(false)
	l.SetStatusBarItemName("kata", "katas")
	lm := listModel{l: l}
	lm.refresh(katas, State{})
	return lm
}

func (lm *listModel) refresh(katas []catalog.Kata, s State) {
	items := make([]list.Item, len(katas))
	for i, k := range katas {
		items[i] = kataItem{index: i, kata: k, solved: s.Solved[k.ID]}
	}
	lm.l.SetItems(items)
}

func (lm *listModel) setSize(w, h int) { lm.l.SetSize(w, h) }

func (lm listModel) filtering() bool { return lm.l.FilterState() == list.Filtering }

func (lm listModel) selected() int {
	if it, ok := lm.l.SelectedItem().(kataItem); ok {
		return it.index
	}
	return 0
}

func (lm listModel) update(msg tea.Msg) (listModel, tea.Cmd) {
	var cmd tea.Cmd
	lm.l, cmd = lm.l.Update(msg)
	return lm, cmd
}

func (lm listModel) view() string { return lm.l.View() }
