// Package tui is the workbook's guided terminal app: a bubbletea program
// that walks a learner from the first kata to the last, re-running the
// current kata's tests whenever its files change.
//
// The root Model holds a screen enum and concrete child models, a file per
// screen (kata, list, hints, solution, book, output, welcome and done), the
// pager screens sharing one scrollable pagerModel. All I/O goes through an
// Engine in tea.Cmds that return typed messages, so views stay pure and
// every key is testable with a fake engine.
package tui

import (
	"context"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/check"
	"github.com/gokatas/concurrency/internal/timeline"
)

// Engine is everything the app needs from the workbook: NewEngine adapts the
// real workbook and checker to it; the tests use a fake.
type Engine interface {
	// Root is the absolute repository root.
	Root() string
	// Katas lists the katas in order.
	Katas() []catalog.Kata
	// Load reads the learner's progress.
	Load() (State, error)
	// SetCurrent remembers the kata the learner is on.
	SetCurrent(id string) error
	// MarkWelcomed remembers that the welcome screen was shown.
	MarkWelcomed() error
	// Check runs one attempt (and records it), streaming to updates, which
	// it closes before returning.
	Check(ctx context.Context, k catalog.Kata, updates chan<- check.Update) (check.Verdict, error)
	// Hints returns the kata's hint levels; SetHintLevel remembers how many were shown.
	Hints(k catalog.Kata) ([]string, error)
	SetHintLevel(k catalog.Kata, level int) error
	// Solution returns the official solution, a diff against the learner's
	// files, and the explanation.
	Solution(k catalog.Kata) (Solution, error)
	// Chapter returns the kata's book chapter as Markdown.
	Chapter(k catalog.Kata) (string, error)
	// Reset restores the kata's original files after backing up the
	// learner's; it returns a sentence saying what it did.
	Reset(ctx context.Context, k catalog.Kata) (string, error)
	// Warm builds what the katas' tests need and the build cache lacks,
	// once, so the first check does not look hung. report hears each step
	// (a build starting, a build done, nothing to build), from one
	// goroutine at a time; an error says in words what failed.
	Warm(ctx context.Context, report func(WarmStatus)) error
	// Routes are the suggested paths through the katas; SetRoute remembers
	// the one the learner walks.
	Routes() ([]catalog.Route, error)
	SetRoute(id string) error
	// Trace runs the kata's tests once with the execution tracer (the
	// learner's files, or the shipped ones) and returns the timeline.
	Trace(ctx context.Context, k catalog.Kata, shipped bool) (*timeline.Timeline, error)
}

// State is the learner's progress as the app needs it.
type State struct {
	Current   string
	Solved    map[string]bool
	HintLevel map[string]int
	Welcomed  bool
	// Route is the route the learner walks ("" is the first).
	Route string
	// Unlocked: katas whose solution the learner earned (solved now, or
	// solved before a reset).
	Unlocked map[string]bool
}

// WarmStatus is one step of the warm-up.
type WarmStatus struct {
	// Race: built with the race detector (else without it, for go vet).
	Race bool
	// Packages are the packages built (0: nothing to build); Std counts
	// those of the standard library. With Race and Std > 0 the
	// race-instrumented standard library is really being built: the long
	// first-time build.
	Packages, Std int
	// Building: the build runs now; false once it ended.
	Building bool
}

// Solution is what the solution screen shows.
type Solution struct {
	Code, Diff, Explanation string
	// WrongFixes: fixes that look right and are not, and why (Markdown).
	WrongFixes string
}
