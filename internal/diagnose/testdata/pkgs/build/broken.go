// Package build does not compile, for the diagnosis fixtures.
package build

// Broken uses an undefined name.
func Broken() int {
	x := 1
	return y
}
