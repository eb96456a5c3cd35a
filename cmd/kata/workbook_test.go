package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConfirm: a terminal is asked; elsewhere only --yes confirms.
func TestConfirm(t *testing.T) {
	defer noLeaks(t)
	tests := []struct {
		name   string
		tty    bool
		yes    bool
		answer string
		want   bool
		code   int // exit code of the error, 0 for none
	}{
		{name: "yes on a terminal", tty: true, answer: "y\n", want: true},
		{name: "YES on a terminal", tty: true, answer: " YES \n", want: true},
		{name: "enter is no", tty: true, answer: "\n", want: false},
		{name: "anything else is no", tty: true, answer: "sure\n", want: false},
		{name: "end of input is no", tty: true, answer: "", want: false},
		{name: "--yes on a terminal does not ask", tty: true, yes: true, want: true},
		{name: "--yes off a terminal", yes: true, want: true},
		{name: "off a terminal without --yes", answer: "y\n", code: exitFailing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errOut bytes.Buffer
			e := &env{stdin: strings.NewReader(tt.answer), stderr: &errOut, stdinTTY: tt.tty}
			got, err := confirm(e, tt.yes, "Reveal?")
			if tt.code != 0 {
				var ee *exitError
				require.ErrorAs(t, err, &ee)
				assert.Equal(t, tt.code, ee.code)
				assert.Contains(t, ee.msg, "--yes")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			if tt.tty && !tt.yes {
				assert.Equal(t, "Reveal? [y/N] ", errOut.String())
			} else {
				assert.Empty(t, errOut.String(), "no question asked")
			}
		})
	}
}
