package verify

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/gokatas/concurrency/internal/catalog"
)

// Detector is a catalog detector: what a run's output showed.
type Detector = catalog.Detector

// markers are the output lines that prove a detector fired. They are the
// detectors' own words: goleak's report, the race detector's banner, the
// deadlock guard's message (internal/katatest), the runtime's and synctest's
// deadlock panics, and testify's failure block.
var markers = []struct {
	text     string
	detector Detector
}{
	{"WARNING: DATA RACE", catalog.Race},
	{"found unexpected goroutines", catalog.Leak},
	{"main bubble goroutine has exited but blocked goroutines remain", catalog.Leak},
	{"deadlock guard:", catalog.Deadlock},
	{"fatal error: all goroutines are asleep - deadlock!", catalog.Deadlock},
	{"deadlock: all goroutines in bubble are blocked", catalog.Deadlock},
	{"Error Trace:", catalog.Assertion},
}

// outputScan reads a test2json stream line by line and remembers which
// detectors fired and how the package ended. It keeps no output.
type outputScan struct {
	seen     map[Detector]bool
	passed   bool
	timedOut bool
}

// event is the part of a test2json event the scan needs.
type event struct {
	Action string
	Test   string
	Output string
}

func (s *outputScan) line(l string) {
	var ev event
	text := l
	if strings.HasPrefix(l, "{") && json.Unmarshal([]byte(l), &ev) == nil && ev.Action != "" {
		text = ev.Output
		if ev.Test == "" && (ev.Action == "pass" || ev.Action == "fail") {
			s.passed = ev.Action == "pass" // the last package-level end event wins
		}
	}
	if strings.Contains(text, "panic: test timed out after") {
		s.timedOut = true
	}
	for _, m := range markers {
		if strings.Contains(text, m.text) {
			if s.seen == nil {
				s.seen = map[Detector]bool{}
			}
			s.seen[m.detector] = true
		}
	}
}

// fired lists the detectors seen, in the catalog's order.
func (s *outputScan) fired() []Detector {
	var out []Detector
	for _, d := range catalog.KnownDetectors() {
		if s.seen[d] {
			out = append(out, d)
		}
	}
	return slices.Clip(out)
}
