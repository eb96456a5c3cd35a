package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/gokatas/concurrency/internal/diagnose"
)

// CaseKind tells a wrong fix from an alternative correct one.
type CaseKind string

// The two kinds of catalogue case, named after their folders.
const (
	// Wrong: a fix that looks right and is not; every run must reject it.
	Wrong CaseKind = "wrong"
	// Alt: a correct fix in another style than the official solution; every run must accept it.
	Alt CaseKind = "alt"
)

// CaseFile is the machine-readable description of a catalogue case, beside
// its WHY.md.
const CaseFile = "case.json"

// WhyFile is the human-readable description of a catalogue case: the mistake,
// the bug that remains and how it would show in production (wrong fixes), or
// the style and why it is correct (alternatives).
const WhyFile = "WHY.md"

// Case is one entry of a kata's catalogue:
// solutions/NN-name/testdata/{wrong,alt}/CASE/. It holds complete replacement
// files named like the kata's files; a kata file it does not hold is taken as
// shipped (for a wrong fix) or from the official solution (for an
// alternative). The folder is under testdata, so the go tool never compiles it.
type Case struct {
	// Kind is Wrong or Alt.
	Kind CaseKind `json:"kind"`
	// Name is the folder name, e.g. "unlock-on-error-path-only".
	Name string `json:"name"`
	// Dir is the case folder relative to the repo root (forward slashes).
	Dir string `json:"dir"`
	// Summary is one line saying what the fix does.
	Summary string `json:"summary"`
	// RejectedBy lists the finding kinds that may reject a wrong fix (any of
	// them, in any run); empty for alternatives.
	RejectedBy []Detector `json:"rejected_by,omitempty"`
	// Files are the kata files the case replaces.
	Files []string `json:"files"`
}

// caseMeta is the on-disk shape of case.json.
type caseMeta struct {
	Format     int        `json:"format"`
	Summary    string     `json:"summary"`
	RejectedBy []Detector `json:"rejected_by"`
}

// RejectingKinds returns the finding kinds a wrong fix may be rejected by:
// the detectors, plus a panic (a send on a closed channel, a double close).
// A build failure, vet or a timeout never counts: a case rejected only by
// those is weak.
func RejectingKinds() []Detector { return append(KnownDetectors(), diagnose.KindPanic) }

// Cases reads the kata's catalogue of the given kind, sorted by name. A kata
// without a catalogue folder has no cases.
func (c *Catalog) Cases(k Kata, kind CaseKind) ([]Case, error) {
	base := path.Join(k.SolutionDir, "testdata", string(kind))
	entries, err := os.ReadDir(c.Path(base))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s cases of %s: %w", kind, k.ID, err)
	}
	var cases []Case
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		cs, err := c.loadCase(k, kind, path.Join(base, e.Name()))
		if err != nil {
			return nil, err
		}
		cases = append(cases, cs)
	}
	return cases, nil
}

func (c *Catalog) loadCase(k Kata, kind CaseKind, dir string) (Case, error) {
	rel := path.Join(dir, CaseFile)
	fe := func(field, format string, args ...any) error {
		return &FieldError{File: rel, Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	data, err := os.ReadFile(c.Path(rel))
	if err != nil {
		return Case{}, &FieldError{File: rel, Msg: "missing or unreadable: " + err.Error()}
	}
	var m caseMeta
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return Case{}, &FieldError{File: rel, Msg: "not valid case JSON: " + err.Error()}
	}
	switch {
	case m.Format != 1:
		return Case{}, fe("format", "is %d, want 1", m.Format)
	case strings.TrimSpace(m.Summary) == "":
		return Case{}, fe("summary", "is empty")
	case kind == Wrong && len(m.RejectedBy) == 0:
		return Case{}, fe("rejected_by", "a wrong fix must name the finding kinds that reject it")
	case kind == Alt && len(m.RejectedBy) > 0:
		return Case{}, fe("rejected_by", "an alternative correct fix is never rejected")
	}
	for _, d := range m.RejectedBy {
		if !slices.Contains(RejectingKinds(), d) {
			return Case{}, fe("rejected_by", "%q cannot reject a fix (known: %v)", d, RejectingKinds())
		}
	}
	if _, err := os.Stat(c.Path(dir, WhyFile)); err != nil {
		return Case{}, &FieldError{File: path.Join(dir, WhyFile), Msg: "missing"}
	}
	cs := Case{Kind: kind, Name: path.Base(dir), Dir: dir, Summary: m.Summary, RejectedBy: m.RejectedBy}
	for _, f := range k.Files {
		if isFile(c.Path(dir, f)) {
			cs.Files = append(cs.Files, f)
		}
	}
	if len(cs.Files) == 0 {
		return Case{}, &FieldError{File: dir, Msg: fmt.Sprintf("holds none of the kata's files %v", k.Files)}
	}
	return cs, nil
}
