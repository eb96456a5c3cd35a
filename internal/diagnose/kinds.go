package diagnose

import "strings"

// DeadlockMarker starts every deadlock-guard failure message
// (internal/katatest prints it; a test checks the two agree). A test line
// starting with it is a KindDeadlock finding.
const DeadlockMarker = "deadlock guard:"

// Detectors returns the kinds a kata may declare as catching its bug, in
// display order: the dynamic detectors, never build, vet or timeout.
func Detectors() []Kind { return []Kind{KindRace, KindLeak, KindDeadlock, KindAssertion} }

// Marker is a detector's own words in a run's output.
type Marker struct {
	Text string
	Kind Kind
}

// Markers returns the texts that show a detector fired, whatever the
// diagnosis made of them: a cross-check, so a detector that fired but was
// not diagnosed shows as a diagnosis gap.
func Markers() []Marker {
	return []Marker{
		{"WARNING: DATA RACE", KindRace},
		{"found unexpected goroutines", KindLeak},
		{"main bubble goroutine has exited but blocked goroutines remain", KindLeak},
		{DeadlockMarker, KindDeadlock},
		{"all goroutines are asleep - deadlock!", KindDeadlock},
		{"all goroutines in bubble are blocked", KindDeadlock},
		{"Error Trace:", KindAssertion},
	}
}

// MarkedKinds records in seen the kinds whose markers text holds.
func MarkedKinds(text string, seen map[Kind]bool) {
	for _, m := range Markers() {
		if strings.Contains(text, m.Text) {
			seen[m.Kind] = true
		}
	}
}
