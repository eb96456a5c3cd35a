package tui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// ErrInterrupted is returned by Run when the learner pressed Ctrl-C
// outside the app's own keys (the program was interrupted).
var ErrInterrupted = tea.ErrInterrupted

// Terminal is the terminal the app runs in.
type Terminal struct {
	// Out is the terminal's output (os.Stdout).
	Out *os.File
	// NoColor: NO_COLOR is set; the app draws plain text.
	NoColor bool
}

// Run opens the app full screen on the terminal and returns when the
// learner quits or ctx ends. The looks (styles, Markdown theme) are chosen
// for the terminal: plain under NO_COLOR, dark or light by its background.
// Before it returns, it stops what the app still runs and waits a moment for
// it, so no test outlives the app.
func Run(ctx context.Context, eng Engine, term Terminal, opts Options) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	renderer := lipgloss.NewRenderer(term.Out)
	theme := "dark"
	if term.NoColor {
		renderer.SetColorProfile(termenv.Ascii)
		theme = "ascii"
	} else if !renderer.HasDarkBackground() {
		theme = "light"
	}
	opts.Styles = NewStyles(renderer)
	opts.Markdown = NewMarkdown(theme)
	model := New(ctx, eng, opts)
	final, err := tea.NewProgram(model, tea.WithAltScreen(), tea.WithContext(ctx), tea.WithOutput(term.Out),
		// The renderer wakes up fps times a second even when idle; the
		// spinner needs 10.
		tea.WithFPS(20)).Run()
	// Stop what still runs (the engine kills a test's process group when
	// its context ends) and give it a moment.
	cancel()
	if m, ok := final.(Model); ok {
		model = m
	}
	model.Wait(5 * time.Second)
	switch {
	case errors.Is(err, tea.ErrProgramPanic):
		// bubbletea caught it, restored the terminal and printed the stack.
		return fmt.Errorf("the app crashed (your files and progress are safe; please report the trace above): %w", err)
	case errors.Is(err, tea.ErrInterrupted):
		return ErrInterrupted
	case err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled):
		return fmt.Errorf("tui: %w", err)
	}
	return nil
}
