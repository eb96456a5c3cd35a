// Package catalog loads and validates the workbook's kata metadata: one
// katas/NN-name/kata.json per kata, plus its hints.md, and resolves the
// names a learner types ("01", "1", "01-wg-ordering", "wg-ordering") to a kata.
package catalog

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gokatas/concurrency/internal/diagnose"
)

// FormatVersion is the only kata.json "format" this build understands.
const FormatVersion = 1

// MetadataFile is the name of a kata's metadata file inside its folder.
const MetadataFile = "kata.json"

// HintsFile is the name of a kata's hints file inside its folder.
const HintsFile = "hints.md"

// ExplanationFile is the name of the explanation beside a kata's solution.
const ExplanationFile = "EXPLANATION.md"

// Detector names a way a buggy kata is caught: a finding kind of the
// diagnosis, which owns the vocabulary.
type Detector = diagnose.Kind

// The detectors a kata may declare.
const (
	// Race: the race detector reports WARNING: DATA RACE.
	Race = diagnose.KindRace
	// Leak: goleak (or a synctest bubble) reports leftover goroutines.
	Leak = diagnose.KindLeak
	// Deadlock: a deadlock guard, the runtime or synctest reports goroutines stuck for good.
	Deadlock = diagnose.KindDeadlock
	// Assertion: a functional assertion (testify) fails.
	Assertion = diagnose.KindAssertion
)

// KnownDetectors returns every detector a kata may declare, in display order.
func KnownDetectors() []Detector { return diagnose.Detectors() }

// Kata is one exercise as described by its kata.json.
type Kata struct {
	// ID is the folder name, e.g. "01-wg-ordering".
	ID string `json:"id"`
	// Number is the two-digit prefix of ID, e.g. 1.
	Number int `json:"number"`
	// Slug is ID without its number, e.g. "wg-ordering".
	Slug string `json:"slug"`
	// Title is a short human title.
	Title string `json:"title"`
	// Summary is one sentence on what the learner fixes.
	Summary string `json:"summary"`
	// Files are the learner-editable files, relative to Dir.
	Files []string `json:"files"`
	// Detectors must all fire on the buggy code.
	Detectors []Detector `json:"detectors"`
	// Minutes is the estimated time to solve.
	Minutes int `json:"minutes"`
	// Chapter is the book chapter, relative to the repo root (forward slashes).
	Chapter string `json:"chapter"`
	// Originals maps each file in Files to the hex SHA-256 of its shipped content.
	Originals map[string]string `json:"originals"`
	// Dir is the kata folder relative to the repo root, e.g. "katas/01-wg-ordering".
	Dir string `json:"dir"`
	// SolutionDir is the solution folder relative to the repo root. It may be
	// missing: a workshop can hand out a copy without solutions/.
	SolutionDir string `json:"solution_dir"`
	// Level orders the katas from easy (1) to hard (5); 0 means not stated.
	// Numbers are identities, levels are the path through them.
	Level int `json:"level,omitempty"`
	// Categories place the kata's bugs in the taxonomy of "Understanding
	// Real-World Concurrency Bugs in Go" (ASPLOS 2019): see KnownCategories.
	Categories []string `json:"categories,omitempty"`
	// Causes are the lines of the kata's shipped code that cause its bugs; a
	// buggy run's findings must name each of them.
	Causes []Cause `json:"causes,omitempty"`
}

// Cause is one line of a kata's shipped code that causes a bug.
type Cause struct {
	// File is a learner file of the kata (one of Files).
	File string `json:"file"`
	// Line is the 1-based line in the shipped file.
	Line int `json:"line"`
	// Why says in a learner's words what is wrong there.
	Why string `json:"why"`
}

// Num is the kata's number as the commands take it and print it, e.g. "01".
func (k Kata) Num() string { return fmt.Sprintf("%02d", k.Number) }

// KnownCategories returns the bug categories of the ASPLOS 2019 taxonomy, as
// kata.json spells them: blocking bugs first, then non-blocking ones.
func KnownCategories() []string {
	return []string{
		"blocking/mutex", "blocking/rwmutex", "blocking/wait", "blocking/chan",
		"blocking/chan-with-other", "blocking/library",
		"nonblocking/traditional", "nonblocking/anonymous-function", "nonblocking/waitgroup",
		"nonblocking/library", "nonblocking/chan", "nonblocking/misc",
	}
}

// metadata is the on-disk shape of kata.json: a Kata without the fields
// Parse works out (Number, Slug, Dir, SolutionDir), and a format version.
type metadata struct {
	Format int `json:"format"`
	Kata
}

// derived names the Kata fields that kata.json must not set, when one does.
func (m metadata) derived() string {
	switch {
	case m.Number != 0:
		return "number"
	case m.Slug != "":
		return "slug"
	case m.Dir != "":
		return "dir"
	case m.SolutionDir != "":
		return "solution_dir"
	}
	return ""
}

// Catalog is every kata of a workbook checkout, in number order.
type Catalog struct {
	// Root is the absolute path of the repository root.
	Root  string
	Katas []Kata
	// Problems say, one per kata left out of Katas, why its metadata could
	// not be used (a half-written team kata, a number used twice).
	Problems []error
}

// Err joins the catalog's problems: nil when every kata loaded.
func (c *Catalog) Err() error { return errors.Join(c.Problems...) }

// FieldError reports a malformed metadata file, naming the file and field.
type FieldError struct {
	File  string // repo-relative path of the file
	Field string // JSON field, or "" for the whole file
	Msg   string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s: field %q: %s", e.File, e.Field, e.Msg)
}

// idPattern matches kata IDs: a number and a slug. The workbook's own
// katas have two-digit numbers; a team's own katas take three digits (from
// 100, see `kata new`), so updates of the workbook never collide with them.
var idPattern = regexp.MustCompile(`^([0-9]{2,3})-([a-z0-9]+(?:-[a-z0-9]+)*)$`)

// ErrNoRoot means no workbook checkout was found above the start folder.
var ErrNoRoot = errors.New("not inside the workbook: no go.mod with a katas/ folder found in this folder or above")

// FindRoot walks up from start to the folder holding go.mod and katas/.
func FindRoot(start string) (string, error) {
	dir, err := filepath.Abs(start)
	if err != nil {
		return "", fmt.Errorf("find workbook root: %w", err)
	}
	for {
		if isFile(filepath.Join(dir, "go.mod")) && isDir(filepath.Join(dir, "katas")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", ErrNoRoot
		}
		dir = parent
	}
}

func isFile(p string) bool { st, err := os.Stat(p); return err == nil && st.Mode().IsRegular() }
func isDir(p string) bool  { st, err := os.Stat(p); return err == nil && st.IsDir() }

// Load reads and validates every katas/*/kata.json under root. A kata
// whose metadata is broken is left out: Load then returns the catalog of
// the others, with one entry per broken kata in Problems, and an error
// joining those problems. Callers that must be strict (the self-check, the
// book's tests) stop on the error; the learner's commands use the catalog
// and warn about Problems. The catalog is nil only when there is no
// workbook to use at all: no katas folder, or no kata that loads.
func Load(root string) (*Catalog, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("load katas: %w", err)
	}
	entries, err := os.ReadDir(filepath.Join(abs, "katas"))
	if err != nil {
		return nil, fmt.Errorf("load katas: %w", err)
	}
	c := &Catalog{Root: abs}
	var loaded []Kata
	for _, e := range entries {
		if !e.IsDir() || !idPattern.MatchString(e.Name()) {
			continue
		}
		k, err := loadOne(abs, e.Name())
		if err != nil {
			c.Problems = append(c.Problems, err)
			continue
		}
		loaded = append(loaded, k)
	}
	sort.SliceStable(loaded, func(i, j int) bool { return loaded[i].Number < loaded[j].Number })
	for _, k := range loaded {
		if n := len(c.Katas); n > 0 && c.Katas[n-1].Number == k.Number {
			c.Problems = append(c.Problems, &FieldError{File: k.Dir + "/" + MetadataFile, Field: "id",
				Msg: fmt.Sprintf("number %02d is used by %s too", k.Number, c.Katas[n-1].ID)})
			continue
		}
		c.Katas = append(c.Katas, k)
	}
	if len(c.Katas) == 0 {
		if len(c.Problems) > 0 {
			return nil, c.Err()
		}
		return nil, fmt.Errorf("load katas: no katas/NN-name folders under %s", abs)
	}
	return c, c.Err()
}

func loadOne(root, dirName string) (Kata, error) {
	rel := path.Join("katas", dirName, MetadataFile)
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
	if errors.Is(err, fs.ErrNotExist) {
		return Kata{}, &FieldError{File: rel, Msg: "missing"}
	}
	if err != nil {
		return Kata{}, fmt.Errorf("%s: %w", rel, err)
	}
	return Parse(root, rel, data)
}

// Parse validates one kata.json's content; rel is its repo-relative path
// (katas/NN-name/kata.json) and root the repository root used to check that
// the files it names exist.
func Parse(root, rel string, data []byte) (Kata, error) {
	var m metadata
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return Kata{}, &FieldError{File: rel, Msg: "not valid metadata JSON: " + err.Error()}
	}
	fe := func(field, format string, args ...any) error {
		return &FieldError{File: rel, Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	if f := m.derived(); f != "" {
		return Kata{}, fe(f, "is worked out from the folder, not written in %s", MetadataFile)
	}
	dirName := path.Base(path.Dir(rel))
	switch {
	case m.Format != FormatVersion:
		return Kata{}, fe("format", "is %d, this runner understands %d", m.Format, FormatVersion)
	case m.ID != dirName:
		return Kata{}, fe("id", "is %q but the folder is %q", m.ID, dirName)
	case strings.TrimSpace(m.Title) == "":
		return Kata{}, fe("title", "is empty")
	case strings.TrimSpace(m.Summary) == "":
		return Kata{}, fe("summary", "is empty")
	case len(m.Files) == 0:
		return Kata{}, fe("files", "lists no learner files")
	case len(m.Detectors) == 0:
		return Kata{}, fe("detectors", "lists no detectors")
	case m.Minutes <= 0 || m.Minutes > 240:
		return Kata{}, fe("minutes", "is %d, want 1..240", m.Minutes)
	}
	match := idPattern.FindStringSubmatch(m.ID)
	if match == nil {
		return Kata{}, fe("id", "%q is not NN-name", m.ID)
	}
	num, _ := strconv.Atoi(match[1])
	kataDir := path.Join("katas", m.ID)
	seen := map[Detector]bool{}
	for _, d := range m.Detectors {
		if known := KnownDetectors(); !slices.Contains(known, d) {
			return Kata{}, fe("detectors", "unknown detector %q (known: %v)", d, known)
		}
		if seen[d] {
			return Kata{}, fe("detectors", "%q listed twice", d)
		}
		seen[d] = true
	}
	for _, f := range m.Files {
		if f != path.Base(f) || !strings.HasSuffix(f, ".go") || strings.HasSuffix(f, "_test.go") {
			return Kata{}, fe("files", "%q must be a non-test .go file directly in the kata folder", f)
		}
		sum, ok := m.Originals[f]
		if !ok {
			return Kata{}, fe("originals", "no hash for %q", f)
		}
		if b, err := hex.DecodeString(sum); err != nil || len(b) != sha256.Size {
			return Kata{}, fe("originals", "hash of %q is not a hex SHA-256", f)
		}
	}
	if len(m.Originals) != len(m.Files) {
		return Kata{}, fe("originals", "has %d entries for %d files", len(m.Originals), len(m.Files))
	}
	if m.Chapter == "" || !isFile(filepath.Join(root, filepath.FromSlash(m.Chapter))) {
		return Kata{}, fe("chapter", "%q is not a file in the repository", m.Chapter)
	}
	if err := checkExtras(m, fe); err != nil {
		return Kata{}, err
	}
	k := m.Kata
	k.Number, k.Slug, k.Dir, k.SolutionDir = num, match[2], kataDir, path.Join("solutions", m.ID)
	return k, nil
}

// checkExtras validates the optional fields: level, categories and causes.
func checkExtras(m metadata, fe func(field, format string, args ...any) error) error {
	if m.Level < 0 || m.Level > 5 {
		return fe("level", "is %d, want 1..5 (or leave it out)", m.Level)
	}
	for _, c := range m.Categories {
		if !slices.Contains(KnownCategories(), c) {
			return fe("categories", "unknown category %q (known: %v)", c, KnownCategories())
		}
	}
	for _, c := range m.Causes {
		switch {
		case !slices.Contains(m.Files, c.File):
			return fe("causes", "file %q is not one of the kata's files", c.File)
		case c.Line <= 0:
			return fe("causes", "line %d of %s is not a line", c.Line, c.File)
		case strings.TrimSpace(c.Why) == "":
			return fe("causes", "%s:%d says no why", c.File, c.Line)
		}
	}
	return nil
}

// Resolve finds the kata named by arg: "01", "1", "01-wg-ordering" or "wg-ordering".
func (c *Catalog) Resolve(arg string) (Kata, error) {
	a := strings.TrimSuffix(strings.TrimSpace(arg), "/")
	a = strings.TrimPrefix(a, "katas/")
	if n, err := strconv.Atoi(a); err == nil {
		for _, k := range c.Katas {
			if k.Number == n {
				return k, nil
			}
		}
	}
	for _, k := range c.Katas {
		if a == k.ID || a == k.Slug {
			return k, nil
		}
	}
	names := make([]string, len(c.Katas))
	for i, k := range c.Katas {
		names[i] = k.ID
	}
	return Kata{}, fmt.Errorf("no kata %q; known: %s", arg, strings.Join(names, ", "))
}

// Index returns the position of the kata with the given ID, or -1.
func (c *Catalog) Index(id string) int {
	for i, k := range c.Katas {
		if k.ID == id {
			return i
		}
	}
	return -1
}

// Hash returns the hex SHA-256 of data, the form used in kata.json "originals".
func Hash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// Path joins repo-relative slash path parts onto the catalog root.
func (c *Catalog) Path(rel ...string) string {
	return filepath.Join(c.Root, filepath.FromSlash(path.Join(rel...)))
}

// Hints reads the kata's hints.md: level-2 headings ("## ...") split it into
// levels, from a nudge (first) to nearly the answer (last).
func (c *Catalog) Hints(k Kata) ([]string, error) {
	rel := path.Join(k.Dir, HintsFile)
	data, err := os.ReadFile(c.Path(rel))
	if err != nil {
		return nil, fmt.Errorf("read hints: %w", err)
	}
	hints := ParseHints(string(data))
	if len(hints) < 3 {
		return nil, &FieldError{File: rel, Msg: fmt.Sprintf("has %d hint levels (## headings), want at least 3", len(hints))}
	}
	return hints, nil
}

// ParseHints splits Markdown at level-2 headings; each section, heading
// included, is one hint. Text before the first heading is dropped.
func ParseHints(md string) []string {
	var hints []string
	var cur *strings.Builder
	inFence := false
	for line := range strings.Lines(md) {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inFence = !inFence
		}
		if !inFence && strings.HasPrefix(line, "## ") {
			if cur != nil {
				hints = append(hints, strings.TrimSpace(cur.String()))
			}
			cur = &strings.Builder{}
		}
		if cur != nil {
			cur.WriteString(line)
		}
	}
	if cur != nil {
		hints = append(hints, strings.TrimSpace(cur.String()))
	}
	return hints
}

// HasSolutions reports whether every learner file of k has a solution file.
func (c *Catalog) HasSolutions(k Kata) bool {
	for _, f := range k.Files {
		if !isFile(c.Path(k.SolutionDir, f)) {
			return false
		}
	}
	return true
}
