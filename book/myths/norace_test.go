//go:build !race

package myths

// raceEnabled reports whether this test binary was built with -race.
const raceEnabled = false
