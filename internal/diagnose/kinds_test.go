package diagnose_test

import (
	"testing"

	"github.com/gokatas/concurrency/internal/diagnose"
	"github.com/gokatas/concurrency/internal/katatest"
)

// TestDeadlockMarkerAgrees checks the guard prints the words the diagnosis
// looks for.
func TestDeadlockMarkerAgrees(t *testing.T) {
	if katatest.DeadlockMarker != diagnose.DeadlockMarker {
		t.Errorf("katatest prints %q, diagnose looks for %q", katatest.DeadlockMarker, diagnose.DeadlockMarker)
	}
}

// TestMarkedKinds checks each detector's words are recognised.
func TestMarkedKinds(t *testing.T) {
	for _, m := range diagnose.Markers() {
		seen := map[diagnose.Kind]bool{}
		diagnose.MarkedKinds("xx "+m.Text+" yy", seen)
		if !seen[m.Kind] || len(seen) != 1 {
			t.Errorf("%q: got %v, want only %s", m.Text, seen, m.Kind)
		}
	}
}
