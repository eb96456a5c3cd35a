package main

import (
	"testing"

	"go.uber.org/goleak"
)

// noLeaks is the package's leak check. teatest.NewTestModel (the TUI test)
// starts a goroutine that waits for SIGINT for the life of the process
// (teatest.go, NewTestModel): not ours to stop, so it alone is ignored.
func noLeaks(t *testing.T) {
	t.Helper()
	goleak.VerifyNone(t, goleak.IgnoreTopFunction("github.com/charmbracelet/x/exp/teatest.NewTestModel.func2"))
}
