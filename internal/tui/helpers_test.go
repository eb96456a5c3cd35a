package tui

import (
	"fmt"
	"testing"

	"go.uber.org/goleak"

	"github.com/gokatas/concurrency/internal/catalog"
)

type catalogKata = catalog.Kata

func fmtType(v any) string { return fmt.Sprintf("%T", v) }

// noLeaks is the package's leak check. teatest.NewTestModel starts a
// goroutine that waits for SIGINT for the life of the process (teatest.go,
// NewTestModel): not ours to stop, so it alone is ignored.
func noLeaks(t *testing.T) {
	t.Helper()
	goleak.VerifyNone(t, goleak.IgnoreTopFunction("github.com/charmbracelet/x/exp/teatest.NewTestModel.func2"))
}
