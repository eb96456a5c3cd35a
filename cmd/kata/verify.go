package main

import (
	"context"
	"errors"
)

// cmdVerify is `kata verify`. TODO(engine-run): implement.
func cmdVerify(ctx context.Context, e *env, args []string) error {
	return errors.New("verify: not implemented yet")
}
