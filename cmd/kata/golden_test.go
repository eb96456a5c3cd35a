package main

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/stretchr/testify/assert"
)

// TestGolden compares the stable text outputs with testdata/TestGolden/*.golden
// (regenerate with: go test ./cmd/kata -run TestGolden -update, and review the diff).
func TestGolden(t *testing.T) {
	defer noLeaks(t)
	h := newHarness(t)
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr bool // compare stderr instead of stdout
	}{
		{name: "help", args: []string{"help"}},
		{name: "list", args: []string{"list"}},
		{name: "list_json", args: []string{"list", "--json"}},
		{name: "solution_refused", args: []string{"solution", "01"}, code: 1, stderr: true},
		{name: "unknown_kata", args: []string{"check", "99", "--json"}, code: 2, stderr: true},
		{name: "reset_not_a_terminal", args: []string{"reset", "--all"}, code: 1, stderr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := h.run(t, "", nil, tt.args...)
			assert.Equal(t, tt.code, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			if tt.stderr {
				out = errOut
			}
			for _, line := range strings.Split(out, "\n") {
				assert.LessOrEqual(t, utf8.RuneCountInString(line), 80, "fits an 80-column terminal: %q", line)
			}
			golden.RequireEqual(t, []byte(out))
		})
	}
}
