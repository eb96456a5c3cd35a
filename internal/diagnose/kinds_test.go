package diagnose_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"

	"github.com/gokatas/concurrency/internal/diagnose"
)

// TestDeadlockMarkerAgrees checks the guard prints the words the diagnosis
// looks for. It reads katatest's source rather than importing it, so this
// package's tests do not depend on the kata helpers building.
func TestDeadlockMarkerAgrees(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "../katatest/katatest.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	ast.Inspect(f, func(n ast.Node) bool {
		if vs, ok := n.(*ast.ValueSpec); ok && len(vs.Names) == 1 && vs.Names[0].Name == "DeadlockMarker" && len(vs.Values) == 1 {
			if lit, ok := vs.Values[0].(*ast.BasicLit); ok {
				got, _ = strconv.Unquote(lit.Value)
			}
		}
		return true
	})
	if got != diagnose.DeadlockMarker {
		t.Errorf("katatest prints %q, diagnose looks for %q", got, diagnose.DeadlockMarker)
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
