package katatest

import (
	"testing"
	"time"
)

// What katatest's own tests reach inside for.

// SetLimit shortens the call's spin bound, for tests of the bound.
func (c *Call) SetLimit(d time.Duration) { c.limit = d }

// IsParked is parked.
func IsParked(state string) bool { return parked(state) }

// WaitsIn is waitsIn.
func WaitsIn(g Goroutine) string { return waitsIn(g) }

// WaitIdleWithin is WaitIdle bounded by limit instead of SpinTimeout.
func WaitIdleWithin(t testing.TB, what string, limit time.Duration) bool {
	t.Helper()
	return waitIdle(t, what, limit)
}

// WaitParkedWithin is WaitParked bounded by limit instead of SpinTimeout.
func WaitParkedWithin(limit time.Duration, ids ...string) bool {
	return waitParked(limit, ids...)
}
