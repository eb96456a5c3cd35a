package progress

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestRoundTrip(t *testing.T) {
	defer goleak.VerifyNone(t)
	st := Store{Dir: filepath.Join(t.TempDir(), "state")}
	s, err := st.Load()
	require.NoError(t, err)
	assert.Empty(t, s.Katas)
	_, err = st.Update(func(s *State) error {
		s.Current = "02-unclosed-body"
		s.Kata("01-wg-ordering").Solved = true
		s.Kata("02-unclosed-body").HintLevel = 2
		return nil
	})
	require.NoError(t, err)
	s, err = st.Load()
	require.NoError(t, err)
	assert.Equal(t, "02-unclosed-body", s.Current)
	assert.True(t, s.Solved("01-wg-ordering"))
	assert.False(t, s.Solved("02-unclosed-body"))
	assert.Equal(t, 2, s.Kata("02-unclosed-body").HintLevel)
}

func TestCorruptFileIsMovedAside(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct{ name, content string }{
		{"garbage", "{not json"},
		{"truncated", `{"format":1,"katas":{"01":{"attem`},
		{"binary", "\x00\x01\x02"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, FileName), []byte(tt.content), 0o644))
			assertMovedAside(t, dir, tt.content)
		})
	}
	t.Run("unreadable", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.Mkdir(filepath.Join(dir, FileName), 0o755)) // a folder cannot be read as a file
		assertMovedAside(t, dir, "")
	})
}

// TestNewerFormat: a file written by a newer workbook is never moved aside
// or overwritten; the error says what to do.
func TestNewerFormat(t *testing.T) {
	defer goleak.VerifyNone(t)
	dir := t.TempDir()
	const newer = `{"format":99,"katas":{}}`
	require.NoError(t, os.WriteFile(filepath.Join(dir, FileName), []byte(newer), 0o644))
	st := Store{Dir: dir}
	_, err := st.Load()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "newer version of the workbook")
	assert.Contains(t, err.Error(), "KATA_STATE_DIR")
	_, err = st.Update(func(s *State) error { return nil })
	require.Error(t, err)
	kept, _ := os.ReadFile(filepath.Join(dir, FileName))
	assert.Equal(t, newer, string(kept))
}

// TestReadOnlyFolder: progress can be read from a state folder the learner
// cannot write; a change fails naming KATA_STATE_DIR.
func TestReadOnlyFolder(t *testing.T) {
	defer goleak.VerifyNone(t)
	if os.Geteuid() == 0 {
		t.Skip("root writes to read-only folders")
	}
	dir := t.TempDir()
	st := Store{Dir: dir}
	_, err := st.Update(func(s *State) error { s.Kata("01").Solved = true; return nil })
	require.NoError(t, err)
	require.NoError(t, os.Remove(filepath.Join(dir, "lock")))
	require.NoError(t, os.Chmod(dir, 0o555))
	t.Cleanup(func() { os.Chmod(dir, 0o755) })

	s, err := st.Load()
	require.NoError(t, err)
	assert.True(t, s.Solved("01"))
	_, err = st.Update(func(s *State) error { return nil })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "KATA_STATE_DIR")
}

// TestReopen: a reset kata is pending again, but its earned solution stays
// unlocked; a never-solved kata stays locked.
func TestReopen(t *testing.T) {
	solved := &Kata{Solved: true}
	solved.Reopen()
	assert.False(t, solved.Solved)
	assert.True(t, solved.SolutionUnlocked())
	pending := &Kata{}
	pending.Reopen()
	assert.False(t, pending.SolutionUnlocked())
}

// assertMovedAside loads the state in dir and checks that its progress file
// was moved aside with one warning, keeping content ("" for a folder), and
// that progress can restart.
func assertMovedAside(t *testing.T, dir, content string) {
	t.Helper()
	var warnings []string
	st := Store{Dir: dir, Warn: func(m string) { warnings = append(warnings, m) }}
	s, err := st.Load()
	require.NoError(t, err)
	assert.Empty(t, s.Katas)
	require.Len(t, warnings, 1)
	assert.Contains(t, warnings[0], "moved it to")
	aside, _ := filepath.Glob(filepath.Join(dir, FileName+".corrupt-*"))
	require.Len(t, aside, 1)
	if content != "" {
		kept, _ := os.ReadFile(aside[0])
		assert.Equal(t, content, string(kept), "the corrupt file is kept for the learner")
	}
	_, err = st.Update(func(s *State) error { s.Kata("01").Attempts++; return nil })
	require.NoError(t, err)
}

// TestConcurrentUpdates: many writers, none loses an update.
func TestConcurrentUpdates(t *testing.T) {
	defer goleak.VerifyNone(t)
	st := Store{Dir: t.TempDir()}
	const writers, each = 8, 25
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range each {
				_, err := st.Update(func(s *State) error { s.Kata("01").Attempts++; return nil })
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	s, err := st.Load()
	require.NoError(t, err)
	assert.Equal(t, writers*each, s.Kata("01").Attempts)
}

// TestConcurrentProcesses: the same across processes (two terminals).
func TestConcurrentProcesses(t *testing.T) {
	defer goleak.VerifyNone(t)
	if os.Getenv("PROGRESS_HELPER_DIR") != "" {
		return
	}
	dir := t.TempDir()
	const procs, each = 4, 20
	var wg sync.WaitGroup
	for range procs {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
			cmd.Env = append(os.Environ(), "PROGRESS_HELPER_DIR="+dir, "PROGRESS_HELPER_N="+strconv.Itoa(each))
			out, err := cmd.CombinedOutput()
			assert.NoError(t, err, "%s", out)
		})
	}
	wg.Wait()
	s, err := Store{Dir: dir}.Load()
	require.NoError(t, err)
	assert.Equal(t, procs*each, s.Kata("01").Attempts)
	leftovers, _ := filepath.Glob(filepath.Join(dir, "*.tmp-*"))
	assert.Empty(t, leftovers)
}

func TestHelperProcess(t *testing.T) {
	dir := os.Getenv("PROGRESS_HELPER_DIR")
	if dir == "" {
		t.Skip("helper for TestConcurrentProcesses")
	}
	n, _ := strconv.Atoi(os.Getenv("PROGRESS_HELPER_N"))
	for range n {
		if _, err := (Store{Dir: dir}).Update(func(s *State) error { s.Kata("01").Attempts++; return nil }); err != nil {
			t.Fatal(strings.TrimSpace(err.Error()))
		}
	}
}

func TestCurrentAndNext(t *testing.T) {
	defer goleak.VerifyNone(t)
	ids := []string{"01-a", "02-b", "03-c"}
	tests := []struct {
		name          string
		current       string
		solved        []string
		wantCurrent   string
		after, wantNx string
	}{
		{name: "fresh", wantCurrent: "01-a", after: "01-a", wantNx: "02-b"},
		{name: "chosen", current: "03-c", wantCurrent: "03-c", after: "03-c", wantNx: "01-a"},
		{name: "chosen and solved stays chosen", current: "01-a", solved: []string{"01-a"}, wantCurrent: "01-a", after: "01-a", wantNx: "02-b"},
		{name: "first pending", solved: []string{"01-a"}, wantCurrent: "02-b", after: "02-b", wantNx: "03-c"},
		{name: "wraps around", solved: []string{"01-a", "03-c"}, wantCurrent: "02-b", after: "03-c", wantNx: "02-b"},
		{name: "stale choice", current: "09-gone", solved: []string{"01-a"}, wantCurrent: "02-b", after: "02-b", wantNx: "03-c"},
		{name: "all solved", solved: ids, wantCurrent: "03-c", after: "03-c", wantNx: ""},
		{name: "only the others solved", solved: []string{"01-a", "02-b"}, wantCurrent: "03-c", after: "03-c", wantNx: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &State{Current: tt.current}
			for _, id := range tt.solved {
				s.Kata(id).Solved = true
			}
			assert.Equal(t, tt.wantCurrent, s.CurrentKata(ids))
			assert.Equal(t, tt.wantNx, s.NextPending(ids, tt.after))
		})
	}
	assert.Empty(t, (&State{}).CurrentKata(nil))
}
