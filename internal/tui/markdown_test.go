package tui

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestPlainMarkdown: under NO_COLOR ("ascii") the Markdown of hints and
// explanations reads as its source does: code in backticks, bold in "**",
// also when the bold text starts with code.
func TestPlainMarkdown(t *testing.T) {
	tests := []struct {
		name, md, want string
	}{
		{name: "inline code", md: "call `wg.Add(1)` first", want: "call `wg.Add(1)` first"},
		{name: "bold", md: "**Nudge**", want: "**Nudge**"},
		{name: "bold that starts with code", md: "**`Add` ran inside the goroutine.** Then", want: "**Add ran inside the goroutine.** Then"},
		{name: "code in the middle of bold", md: "**A `time.Sleep` before `Wait`.** It", want: "**A time.Sleep before Wait.** It"},
		{name: "a local link is its text", md: "see [kata 01](../katas/01-wg-ordering/README.md)", want: "see kata 01"},
	}
	render := NewMarkdown("ascii")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.TrimSpace(render(tt.md, 80))
			assert.Equal(t, tt.want, got)
		})
	}
}
