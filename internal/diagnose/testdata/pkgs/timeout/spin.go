// Package timeout spins for ever, for the diagnosis fixtures.
package timeout

// Spin waits for a flag nobody sets, in a busy loop.
func Spin(flag *bool) {
	for !*flag {
	}
}
