package main

import (
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSpinEndsWithItsParent: a busy process of `kata verify --stress`
// spins until the pipe on its stdin ends, which happens when verify stops
// it or dies (the kernel closes verify's end), so it never outlives verify.
func TestSpinEndsWithItsParent(t *testing.T) {
	h := newHarness(t)
	r, w, err := os.Pipe()
	require.NoError(t, err)
	cmd := exec.Command(h.bin, spinArg)
	cmd.Stdin = r
	require.NoError(t, cmd.Start())
	r.Close()
	// The parent's end closes, as it does when the parent dies.
	require.NoError(t, w.Close())
	require.NoError(t, cmd.Wait(), "the busy process exits cleanly once its stdin ends")
}
