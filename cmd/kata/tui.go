package main

import (
	"context"
	"errors"
)

// runTUI opens the interactive app. TODO(tui): implement.
func runTUI(ctx context.Context, e *env, args []string) error {
	return errors.New("tui: not implemented yet")
}
