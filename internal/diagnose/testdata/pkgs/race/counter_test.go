package race

import (
	"testing"

	"go.uber.org/goleak"
)

func TestCount(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	if got := Count(2); got != 2 {
		t.Errorf("Count(2) = %d, want 2", got)
	}
}
