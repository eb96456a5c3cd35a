package main

import (
	"context"
	"errors"
)

// cmdExplain is `kata explain`. TODO(engine-parse): implement.
func cmdExplain(ctx context.Context, e *env, args []string) error {
	return errors.New("explain: not implemented yet")
}
