//go:build !race

package timeline

// raceEnabled: the test binary runs under the race detector.
const raceEnabled = false
