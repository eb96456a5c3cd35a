package tui

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"
)

// Styles are the app's looks, built for one renderer (its colour profile
// and background). No style lives in a package variable.
type Styles struct {
	Title, Subtle, Bold, Box          lipgloss.Style
	Pending, Running, Failing, Solved lipgloss.Style
	Kind, Location, Detail, Help      lipgloss.Style
	Note, Selected                    lipgloss.Style
	// HelpStyles style the key help line and screen.
	HelpStyles help.Styles
	// BarColor fills the progress bar.
	BarColor string
	// Renderer is the renderer the styles were built for (the list's
	// styles are rebuilt on it).
	Renderer *lipgloss.Renderer
}

// NewStyles builds the styles for r. Colours adapt to light and dark
// backgrounds; a renderer with the ASCII profile (NO_COLOR) drops them.
func NewStyles(r *lipgloss.Renderer) Styles {
	c := func(light, dark string) lipgloss.AdaptiveColor {
		return lipgloss.AdaptiveColor{Light: light, Dark: dark}
	}
	s := r.NewStyle
	key, desc, sep := s().Foreground(c("#4A4A4A", "#C0C0C0")), s().Foreground(c("#6B6B6B", "#8A8A8A")), s().Foreground(c("#A0A0A0", "#5C5C5C"))
	bar := "#1B7F3B"
	if r.HasDarkBackground() {
		bar = "#98C379"
	}
	return Styles{
		Title:    s().Bold(true).Foreground(c("#5A3FC0", "#B7A6FF")),
		Subtle:   s().Foreground(c("#6B6B6B", "#9A9A9A")),
		Bold:     s().Bold(true),
		Box:      s().Border(lipgloss.RoundedBorder()).BorderForeground(c("#1B7F3B", "#98C379")).Padding(0, 1),
		Pending:  s().Foreground(c("#8A6D00", "#E5C07B")),
		Running:  s().Foreground(c("#0059B3", "#61AFEF")),
		Failing:  s().Bold(true).Foreground(c("#B00020", "#E06C75")),
		Solved:   s().Bold(true).Foreground(c("#1B7F3B", "#98C379")),
		Kind:     s().Bold(true).Foreground(c("#B00020", "#E06C75")),
		Location: s().Underline(true),
		Detail:   s().Foreground(c("#4F4F4F", "#B0B0B0")),
		Help:     s().Foreground(c("#6B6B6B", "#8A8A8A")),
		Note:     s().Italic(true).Foreground(c("#6B6B6B", "#9A9A9A")),
		Selected: s().Bold(true).Foreground(c("#5A3FC0", "#B7A6FF")),
		HelpStyles: help.Styles{
			ShortKey: key, ShortDesc: desc, ShortSeparator: sep, Ellipsis: sep,
			FullKey: key, FullDesc: desc, FullSeparator: sep,
		},
		BarColor: bar,
		Renderer: r,
	}
}
