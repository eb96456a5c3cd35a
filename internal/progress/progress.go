// Package progress keeps a learner's progress in the workbook's state
// folder: which katas are solved, attempts, hint levels, the current kata.
// Every change is a locked read-modify-write with an atomic replace, so two
// terminals at once neither corrupt the file nor lose an update, and a
// corrupt file is moved aside rather than trusted or fatal.
//
// The file is <state>/progress.json (the state folder is .kata/ at the
// repository root unless KATA_STATE_DIR says otherwise), next to the lock
// file <state>/lock:
//
//	{
//	  "format": 1,
//	  "current": "02-unclosed-body",
//	  "katas": {
//	    "01-wg-ordering": {"attempts": 3, "hint_level": 2, "solved": true, "solved_at": "2026-11-23T08:12:00Z"},
//	    "02-unclosed-body": {"attempts": 1, "hint_level": 0, "solved": false}
//	  },
//	  "welcomed": true
//	}
//
// A file of an older or unknown format is treated as unreadable: moved aside
// to progress.json.corrupt-<time>, with a warning, and progress restarts. A
// file of a newer format (written by a newer workbook) is never touched:
// commands that need it say so. Reads take no lock, so a read-only state
// folder still lists progress.
package progress

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// FormatVersion is the version of the progress file this build writes.
const FormatVersion = 1

// FileName is the progress file inside the state folder.
const FileName = "progress.json"

// State is everything remembered about a learner.
type State struct {
	Format int `json:"format"`
	// Current is the kata the learner chose last ("" = the first pending).
	Current string `json:"current,omitempty"`
	// Katas holds per-kata progress, by kata ID.
	Katas map[string]*Kata `json:"katas"`
	// Welcomed: the TUI's first-run welcome has been shown.
	Welcomed bool `json:"welcomed,omitempty"`
	// Route is the route through the katas the learner walks ("" is the
	// first, self-study), see katas/routes.json.
	Route string `json:"route,omitempty"`
}

// Kata is one kata's progress.
type Kata struct {
	Attempts  int       `json:"attempts"`
	HintLevel int       `json:"hint_level"`
	Solved    bool      `json:"solved"`
	SolvedAt  time.Time `json:"solved_at,omitzero"`
	// Revealed: the solution was shown before the kata was solved.
	Revealed bool `json:"revealed,omitempty"`
	// SolvedBefore: the kata was solved once and then reset; it is pending
	// again, but the solution the learner earned stays unlocked.
	SolvedBefore bool `json:"solved_before,omitempty"`
}

// Reopen makes a kata pending again (after a reset) while remembering that
// it was solved, so its solution stays unlocked.
func (k *Kata) Reopen() {
	if k.Solved {
		k.SolvedBefore = true
	}
	k.Solved = false
}

// SolutionUnlocked reports whether the learner has earned the solution:
// solved now, or solved before a reset.
func (k *Kata) SolutionUnlocked() bool { return k.Solved || k.SolvedBefore }

// Kata returns the progress of kata id, creating it.
func (s *State) Kata(id string) *Kata {
	if s.Katas == nil {
		s.Katas = map[string]*Kata{}
	}
	k, ok := s.Katas[id]
	if !ok {
		k = &Kata{}
		s.Katas[id] = k
	}
	return k
}

// Solved reports whether kata id is solved.
func (s *State) Solved(id string) bool {
	k, ok := s.Katas[id]
	return ok && k.Solved
}

// CurrentKata is the kata the learner is on, given every kata ID in
// workbook order: the one chosen last (Current) while it still exists, else
// the first pending one, else the last one ("" when ids is empty).
func (s *State) CurrentKata(ids []string) string {
	if slices.Contains(ids, s.Current) {
		return s.Current
	}
	for _, id := range ids {
		if !s.Solved(id) {
			return id
		}
	}
	if len(ids) == 0 {
		return ""
	}
	return ids[len(ids)-1]
}

// NextPending is the first kata after id in ids (wrapping around) that is
// not solved, or "" when every other kata is solved.
func (s *State) NextPending(ids []string, id string) string {
	i := slices.Index(ids, id)
	for n := 1; n < len(ids); n++ {
		next := ids[(i+n+len(ids))%len(ids)]
		if next != id && !s.Solved(next) {
			return next
		}
	}
	return ""
}

// Store is a progress file in a state folder.
type Store struct {
	// Dir is the state folder.
	Dir string
	// Warn receives a message when a corrupt file is moved aside.
	Warn func(msg string)
}

func (st Store) path() string { return filepath.Join(st.Dir, FileName) }

// Load reads the state. A missing file is an empty state; a corrupt one is
// moved aside (with a warning) and progress restarts. In a state folder the
// learner cannot write, Load reads without the lock (every write is an
// atomic rename, so a reader sees the old file or the new one) and moves
// nothing, so read-only commands still work.
func (st Store) Load() (*State, error) {
	unlock, err := st.lock()
	if errors.Is(err, fs.ErrPermission) {
		return st.readOnly()
	}
	if err != nil {
		return nil, err
	}
	defer unlock()
	return st.read()
}

// readOnly is Load for a state folder that cannot be written.
func (st Store) readOnly() (*State, error) {
	s, err := st.parse()
	if errors.Is(err, errNewer) {
		return nil, err
	}
	if err != nil {
		if st.Warn != nil {
			st.Warn(fmt.Sprintf("progress file %s is unreadable (%v); showing no progress", st.path(), err))
		}
		return newState(), nil
	}
	return s, nil
}

// Update applies change to the state under the lock and saves it
// atomically. If change returns an error nothing is saved.
func (st Store) Update(change func(*State) error) (*State, error) {
	unlock, err := st.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	s, err := st.read()
	if err != nil {
		return nil, err
	}
	if err := change(s); err != nil {
		return nil, err
	}
	if err := st.write(s); err != nil {
		return nil, err
	}
	return s, nil
}

// errNewer marks a progress file written by a newer workbook.
var errNewer = errors.New("written by a newer version of the workbook")

func newState() *State { return &State{Format: FormatVersion, Katas: map[string]*Kata{}} }

// parse reads and decodes the file: an empty state when it is missing,
// errNewer (wrapped) for a newer format, any other error for a corrupt or
// unreadable file.
func (st Store) parse() (*State, error) {
	data, err := os.ReadFile(st.path())
	if errors.Is(err, fs.ErrNotExist) {
		return newState(), nil
	}
	if err != nil {
		return nil, err
	}
	s := &State{}
	if err := json.Unmarshal(data, s); err != nil {
		return nil, err
	}
	switch {
	case s.Format > FormatVersion:
		return nil, fmt.Errorf("progress file %s is %w (format %d; this one reads %d): update the workbook, or set KATA_STATE_DIR to keep separate progress",
			st.path(), errNewer, s.Format, FormatVersion)
	case s.Format != FormatVersion:
		return nil, fmt.Errorf("format %d, this runner reads %d", s.Format, FormatVersion)
	}
	if s.Katas == nil {
		s.Katas = map[string]*Kata{}
	}
	return s, nil
}

// read is parse for Update: a corrupt file is moved aside, with a warning,
// and progress restarts; a newer one is never touched.
func (st Store) read() (*State, error) {
	s, err := st.parse()
	if errors.Is(err, errNewer) {
		return nil, err
	}
	if err != nil {
		aside := fmt.Sprintf("%s.corrupt-%s", st.path(), time.Now().UTC().Format("20060102T150405.000000000"))
		if rerr := os.Rename(st.path(), aside); rerr != nil {
			return nil, fmt.Errorf("progress file %s is unreadable (%v) and could not be moved aside: %w", st.path(), err, rerr)
		}
		if st.Warn != nil {
			st.Warn(fmt.Sprintf("progress file was unreadable (%v); moved it to %s and started afresh", err, aside))
		}
		return newState(), nil
	}
	return s, nil
}

// write replaces the file atomically: a temp file in the same folder, synced,
// then renamed over the old one.
func (st Store) write(s *State) error {
	s.Format = FormatVersion
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("save progress: %w", err)
	}
	tmp, err := os.CreateTemp(st.Dir, FileName+".tmp-*")
	if err != nil {
		return fmt.Errorf("save progress: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("save progress: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("save progress: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save progress: %w", err)
	}
	if err := os.Rename(tmp.Name(), st.path()); err != nil {
		return fmt.Errorf("save progress: %w", err)
	}
	return nil
}

// lock takes the state folder's lock file, creating the folder.
func (st Store) lock() (func(), error) {
	if err := os.MkdirAll(st.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("state folder: %w%s", err, moveHint(err))
	}
	f, err := os.OpenFile(filepath.Join(st.Dir, "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock progress: %w%s", err, moveHint(err))
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock progress: %w", err)
	}
	return func() {
		unlockFile(f)
		f.Close()
	}, nil
}

// moveHint says how to move the state folder when err is a permission
// problem.
func moveHint(err error) string {
	if errors.Is(err, fs.ErrPermission) {
		return " (the state folder is not writable: set KATA_STATE_DIR to a folder you can write to)"
	}
	return ""
}
