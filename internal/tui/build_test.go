package tui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gokatas/concurrency/internal/check"
)

// clock is a fake clock a test moves by hand.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time          { return c.now }
func (c *clock) advance(d time.Duration) { c.now = c.now.Add(d) }

// flat is a view with its lines joined and spaces collapsed, so that a
// sentence wrapped at the screen's width reads as one.
func flat(view string) string { return strings.Join(strings.Fields(view), " ") }

// warmingModel is the app just opened with the warm-up running and the
// first check waiting for it.
func warmingModel(t *testing.T, f *fakeEngine, c *clock) (Model, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	opts := testOptions()
	opts.Warm, opts.Now = true, c.Now
	m := New(ctx, f, opts)
	next, _ := m.Update(stateMsg{state: f.state})
	m = next.(Model)
	require.True(t, m.run.waiting, "the first check waits for the warm-up")
	return m, cancel
}

// A warm-up note appears only while the warm-up really builds something,
// says what and for how long, and claims no duration it cannot know.
func TestWarmUpNoteOnlyWhileItBuilds(t *testing.T) {
	defer noLeaks(t)
	tests := []struct {
		name  string
		steps []WarmStatus
		want  []string // in the view after the steps
		never []string
	}{
		{name: "warm cache: nothing to build", steps: []WarmStatus{{Race: true}, {}},
			want: []string{"waiting for the warm-up"}, never: []string{"Getting ready", "standard library"}},
		{name: "first race build", steps: []WarmStatus{{Race: true, Packages: 212, Std: 180, Building: true}},
			want: []string{"Getting ready (1m5s): building 212 packages with the race detector", "180 of them the race-instrumented standard",
				"several minutes on a small laptop", "later checks take seconds"}},
		{name: "only the modules' packages", steps: []WarmStatus{{Race: true, Packages: 3, Building: true}},
			want: []string{"Getting ready (1m5s): building 3 packages the katas' tests import, with the race detector."}, never: []string{"standard library"}},
		{name: "the race build ended, the vet build runs", steps: []WarmStatus{{Race: true, Packages: 212, Std: 180, Building: true}, {Race: true, Packages: 212, Std: 180}, {Packages: 40, Std: 38, Building: true}},
			want: []string{"building 40 packages the katas' tests import, without the race detector, for go vet"}, never: []string{"race-instrumented"}},
		{name: "one package", steps: []WarmStatus{{Race: true, Packages: 1, Building: true}},
			want: []string{"building 1 package the katas' tests import"}},
		{name: "a build ended and nothing else is built", steps: []WarmStatus{{Race: true, Packages: 3, Building: true}, {Race: true, Packages: 3}, {}},
			want: []string{"waiting for the warm-up"}, never: []string{"Getting ready"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
			m, cancel := warmingModel(t, newFake(), c)
			defer cancel()
			for _, s := range tt.steps {
				next, _ := m.Update(warmUpdateMsg{status: s})
				m = next.(Model)
			}
			c.advance(65 * time.Second)
			view := flat(m.View())
			for _, w := range tt.want {
				assert.Contains(t, view, w)
			}
			for _, n := range append(tt.never, "up to a minute") {
				assert.NotContains(t, view, n)
			}
		})
	}
}

// The warm-up's steps reach the model through the engine: the real
// command, not a hand-made message.
func TestWarmUpStepsComeFromTheEngine(t *testing.T) {
	defer noLeaks(t)
	f := newFake()
	f.warmSteps = []WarmStatus{{Race: true, Packages: 5, Std: 2, Building: true}}
	f.warmed = make(chan struct{})
	c := &clock{now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	m, cancel := warmingModel(t, f, c)
	defer cancel()
	started := warm(m.ctx, m.jobs, f)()
	next, cmd := m.Update(started)
	m = next.(Model)
	next, _ = m.Update(cmd()) // the first step
	m = next.(Model)
	assert.Contains(t, flat(m.View()), "building 5 packages with the race detector, 2 of them")
	close(f.warmed)
	m = drive(t, m, listenWarm(started.(warmStartedMsg)))
	assert.NotContains(t, m.View(), "Getting ready", "the note ends with the warm-up")
	assert.Contains(t, m.View(), "FAILING", "the waiting check ran")
}

// A failed warm-up says why in words, and the first check still runs.
func TestWarmUpFailureSaysWhyAndTheCheckRuns(t *testing.T) {
	defer noLeaks(t)
	f := newFake()
	c := &clock{now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	m, cancel := warmingModel(t, f, c)
	defer cancel()
	next, cmd := m.Update(warmDoneMsg{err: errors.New("warm-up: go list could not list the katas' packages (exit status 1): go: no network")})
	m = drive(t, next.(Model), cmd)
	view := flat(m.View())
	assert.Contains(t, view, "The warm-up did not finish")
	assert.Contains(t, view, "the first check builds what it needs itself")
	assert.Contains(t, view, "go list could not list the katas' packages")
	assert.NotContains(t, view, "warm-up: warm-up:")
	checks, _ := f.count()
	assert.Equal(t, 1, checks, "the first check runs anyway")
	assert.Contains(t, view, "FAILING")
}

// buildingModel is kata 01 open with a check that has just started
// building (its engine goroutine never started: updates are fed by hand).
func buildingModel(t *testing.T) (Model, context.CancelFunc) {
	t.Helper()
	m, cancel := start(t, newFake())
	next, _ := m.Update(keyMsg("r"))
	m = next.(Model)
	require.True(t, m.run.running)
	require.Equal(t, check.PhaseBuilding, m.run.phase)
	return m, cancel
}

// While a check builds, the screen says what is built and for how long;
// the first-race-build note only when the race-instrumented standard
// library is really being built, and never once the tests run.
func TestBuildStatusIsShown(t *testing.T) {
	defer noLeaks(t)
	tests := []struct {
		name  string
		build check.BuildStatus
		note  bool
	}{
		{name: "warm build", build: check.BuildStatus{What: "katas/01-wg-ordering with the race detector", Elapsed: 2 * time.Second}},
		{name: "first race build", build: check.BuildStatus{What: "katas/01-wg-ordering with the race detector", Elapsed: 12 * time.Second, FirstRace: true, Packages: 180}, note: true},
		{name: "first race build, packages unknown", build: check.BuildStatus{What: "katas/01-wg-ordering with the race detector", Elapsed: 12 * time.Second, FirstRace: true}, note: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, cancel := buildingModel(t)
			defer cancel()
			b := tt.build
			next, _ := m.Update(runUpdateMsg{id: m.run.id, update: check.Update{Build: &b}})
			m = next.(Model)
			view := flat(m.View())
			assert.Contains(t, view, "building katas/01-wg-ordering with the race detector… "+b.Elapsed.String())
			if tt.note {
				assert.Contains(t, view, "First race build on this machine")
				assert.Contains(t, view, "several minutes on a small laptop")
				assert.Contains(t, view, "q quits; r or a save starts over")
			} else {
				assert.NotContains(t, view, "First race build")
			}
			next, _ = m.Update(runUpdateMsg{id: m.run.id, update: check.Update{Phase: check.PhaseTesting}})
			m = next.(Model)
			view = flat(m.View())
			assert.Contains(t, view, "testing…")
			assert.NotContains(t, view, "First race build", "the note goes once the build is done")
			assert.NotContains(t, view, "with the race detector…")
		})
	}
}

// r during a long build cancels it and starts over; q quits at once,
// cancelling the build (the engine kills its process group).
func TestLongBuildCanBeCancelled(t *testing.T) {
	defer noLeaks(t)
	tests := []struct {
		key  string
		quit bool
	}{{key: "r"}, {key: "q", quit: true}}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			f := newFake()
			m, cancel := start(t, f)
			defer cancel()
			f.mu.Lock()
			f.builds = []check.BuildStatus{{What: "katas/01-wg-ordering with the race detector", Elapsed: 40 * time.Second, FirstRace: true}}
			f.holdBuild = make(chan struct{}) // the build never ends by itself
			f.mu.Unlock()
			next, cmd := m.Update(keyMsg("r"))
			m = next.(Model)
			first := m.run.id
			for _, c := range cmd().(tea.BatchMsg) {
				if c == nil {
					continue
				}
				if s, ok := c().(runStartedMsg); ok {
					next, _ = m.Update(s)
					m = next.(Model)
					next, _ = m.Update(listen(s)()) // the building phase
					m = next.(Model)
					next, _ = m.Update(listen(s)()) // the build status
					m = next.(Model)
				}
			}
			require.Contains(t, m.View(), "First race build")
			next, cmd = m.Update(keyMsg(tt.key))
			m = next.(Model)
			if tt.quit {
				assert.IsType(t, tea.QuitMsg{}, cmd(), "q quits at once")
			} else {
				assert.NotEqual(t, first, m.run.id, "a new check started")
				assert.True(t, m.run.running)
			}
			require.True(t, m.Wait(hangGuard), "the cancelled build returned")
			f.mu.Lock()
			defer f.mu.Unlock()
			assert.Equal(t, 1, f.cancelled, "the long build was cancelled")
		})
	}
}
