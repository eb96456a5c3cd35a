package watch

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func expectChange(t *testing.T, w *Watcher, within time.Duration) {
	t.Helper()
	select {
	case _, ok := <-w.Changes:
		require.True(t, ok, "Changes closed")
	case <-time.After(within):
		t.Fatalf("no change notified within %s (%s)", within, w.Mode)
	}
}

func expectQuiet(t *testing.T, w *Watcher, d time.Duration) {
	t.Helper()
	select {
	case <-w.Changes:
		t.Fatalf("unexpected change notification (%s)", w.Mode)
	case <-time.After(d):
	}
}

func TestWatch(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, mode := range []Mode{Events, Polling} {
		t.Run(string(mode), func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "prices.go")
			require.NoError(t, os.WriteFile(file, []byte("package p\n"), 0o644))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			w, err := Start(ctx, dir, Options{Mode: mode, Debounce: 100 * time.Millisecond, PollEvery: 20 * time.Millisecond})
			require.NoError(t, err)
			assert.Equal(t, mode, w.Mode)

			// A burst of writes is one notification.
			for i := range 5 {
				require.NoError(t, os.WriteFile(file, []byte("package p\n// "+string(rune('a'+i))+"\n"), 0o644))
			}
			expectChange(t, w, 2*time.Second)
			expectQuiet(t, w, 200*time.Millisecond)

			// An editor's save: write a temp file, rename it over the original.
			tmp := filepath.Join(dir, ".prices.go.swp")
			require.NoError(t, os.WriteFile(tmp, []byte("package p\n// saved by rename, longer\n"), 0o644))
			require.NoError(t, os.Rename(tmp, file))
			expectChange(t, w, 2*time.Second)

			// Other files do not count.
			require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644))
			expectQuiet(t, w, 200*time.Millisecond)

			cancel()
			select {
			case _, ok := <-w.Changes:
				assert.False(t, ok, "Changes is closed when the watch stops")
			case <-time.After(2 * time.Second):
				t.Fatal("Changes not closed after cancel")
			}
		})
	}
}

func TestNotAFolder(t *testing.T) {
	defer goleak.VerifyNone(t)
	_, err := Start(context.Background(), filepath.Join(t.TempDir(), "missing"), Options{})
	require.Error(t, err)
}
