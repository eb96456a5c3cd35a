// Package testify fails assertions, for the diagnosis fixtures.
package testify

// Sum forgets the last element.
func Sum(xs []int) int {
	s := 0
	for i := 0; i < len(xs)-1; i++ {
		s += xs[i]
	}
	return s
}
