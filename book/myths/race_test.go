//go:build race

package myths

// raceEnabled reports whether this test binary was built with -race. Some
// facts look different under the race detector (sync.Pool drops a random
// quarter of the items put into it), and the demonstrations of race reports
// need a race-enabled binary to re-run.
const raceEnabled = true
