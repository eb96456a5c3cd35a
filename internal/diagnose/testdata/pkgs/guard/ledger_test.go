package guard

import (
	"testing"

	"github.com/gokatas/concurrency/internal/katatest"
	"go.uber.org/goleak"
)

func TestWithdraw(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var l Ledger
	l.Withdraw(5)
	katatest.Within(t, katatest.GuardTimeout, "the second Withdraw", func() { l.Withdraw(1) })
}
