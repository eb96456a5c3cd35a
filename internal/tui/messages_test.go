package tui

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gokatas/concurrency/internal/watch"
)

func TestWarmUpComesBeforeTheFirstRun(t *testing.T) {
	defer noLeaks(t)
	f := newFake()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := testOptions()
	opts.Warm = true
	m := New(ctx, f, opts)
	// Init's batch: the state loads at once; the warm-up is still running.
	next, _ := m.Update(stateMsg{state: f.state})
	m = next.(Model)
	assert.True(t, m.run.waiting, "the first run waits for the warm-up")
	assert.NotContains(t, m.View(), "Getting ready", "no note before the warm-up says it builds anything")
	assert.Contains(t, m.View(), "waiting for the warm-up")
	checks, _ := f.count()
	assert.Zero(t, checks)
	next, cmd := m.Update(warmDoneMsg{})
	m = drive(t, next.(Model), cmd)
	checks, _ = f.count()
	assert.Equal(t, 1, checks, "the run starts when the warm-up ends")
	assert.Contains(t, m.View(), "FAILING")
}

func TestWarmUpFailureIsANote(t *testing.T) {
	defer noLeaks(t)
	m, cancel := start(t, newFake())
	defer cancel()
	next, _ := m.Update(warmDoneMsg{err: errors.New("warm-up: go build -race failed")})
	assert.Contains(t, next.(Model).View(), "go build -race failed")
}

func TestNewerChangeCancelsTheRunInFlight(t *testing.T) {
	defer noLeaks(t)
	f := newFake()
	m, cancel := start(t, f)
	defer cancel()
	f.mu.Lock()
	f.block = true
	f.mu.Unlock()
	stopped := make(chan struct{})
	close(stopped)
	w := &watch.Watcher{Changes: stopped}
	// A save: the run starts and blocks in the engine.
	next, cmd := m.Update(fileChangedMsg{id: m.watchID, w: w})
	m = next.(Model)
	first := m.run.id
	msg := cmd().(tea.BatchMsg)
	for _, c := range msg {
		if c == nil {
			continue
		}
		if started, ok := c().(runStartedMsg); ok {
			go func() { // drain it as the program would
				for {
					if _, ok := listen(started)().(runDoneMsg); ok {
						return
					}
				}
			}()
		}
	}
	assert.True(t, m.run.running)
	assert.Contains(t, m.View(), "building…")
	// A newer save: the first run is cancelled, a second one starts.
	next, _ = m.Update(fileChangedMsg{id: m.watchID, w: w})
	m = next.(Model)
	assert.Greater(t, m.run.id, first)
	require.Eventually(t, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.cancelled == 1
	}, 2*time.Second, 10*time.Millisecond)
	_, _ = m.quit()
	assert.True(t, m.Wait(2*time.Second), "quitting ends every run")
}

func TestKeysStayResponsiveWhileRunning(t *testing.T) {
	defer noLeaks(t)
	f := newFake()
	m, cancel := start(t, f)
	defer cancel()
	m.run.running = true
	for _, k := range []string{"h", "esc", "l", "esc", "?", "z", "o", "esc"} {
		next, _ := m.Update(keyMsg(k))
		m = next.(Model)
	}
	assert.Equal(t, screenKata, m.screen)
	assert.True(t, m.run.running)
}

func TestCheckerPanicIsARunError(t *testing.T) {
	defer noLeaks(t)
	f := newFake()
	f.panics = true
	m, cancel := start(t, f)
	defer cancel()
	assert.Contains(t, m.View(), "could not run the tests: the checker crashed: boom")
	assert.True(t, m.Wait(time.Second))
}

func TestStaleMessagesAreIgnored(t *testing.T) {
	defer noLeaks(t)
	m, cancel := start(t, newFake())
	defer cancel()
	m = press(t, m, "b")
	require.Equal(t, screenBook, m.screen)
	before := m.View()
	next, _ := m.Update(renderedMsg{screen: screenBook, gen: m.book.pager.gen - 1, content: "old render"})
	assert.Equal(t, before, next.(Model).View(), "an older render does not replace a newer one")
	next, _ = m.Update(hintsMsg{kata: "02-unclosed-body", hints: []string{"x"}})
	assert.Equal(t, "01-wg-ordering", next.(Model).hints.kata, "hints of another kata are dropped")
	next, _ = m.Update(watchStartedMsg{id: m.watchID + 1, err: errors.New("old")})
	assert.Empty(t, next.(Model).watchNote)
}

func TestWatchFailureOffersPolling(t *testing.T) {
	defer noLeaks(t)
	m, cancel := start(t, newFake())
	defer cancel()
	next, _ := m.Update(watchStartedMsg{id: m.watchID, err: errors.New("too many open files")})
	v := next.(Model).View()
	assert.Contains(t, v, "not watching files (too many open files)")
	assert.Contains(t, v, "--poll")
	next, cmd := m.Update(watchStartedMsg{id: m.watchID, w: &watch.Watcher{Changes: make(chan struct{}), Mode: watch.Polling, Fallback: "polling every 500ms"}})
	assert.Contains(t, next.(Model).View(), "polling every 500ms")
	assert.NotNil(t, cmd, "it listens for the next change")
}

func TestWatcherStoppingIsSaid(t *testing.T) {
	defer noLeaks(t)
	f := newFake()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := testOptions()
	opts.Manual = false
	m := New(ctx, f, opts)
	next, _ := m.Update(stateMsg{state: f.state})
	m = next.(Model)
	next, _ = m.Update(watchStoppedMsg{id: m.watchID})
	assert.Contains(t, next.(Model).View(), "file watching stopped")
	next, _ = m.Update(watchStoppedMsg{id: m.watchID - 1})
	assert.NotContains(t, next.(Model).View(), "file watching stopped")
}

func TestResizeRelayoutsAndRerenders(t *testing.T) {
	defer noLeaks(t)
	m, cancel := start(t, newFake())
	defer cancel()
	m = press(t, m, "b")
	gen := m.book.pager.gen
	next, cmd := m.Update(tea.WindowSizeMsg{Width: 60, Height: 20})
	m = drive(t, next.(Model), cmd)
	assert.Greater(t, m.book.pager.gen, gen, "the chapter is rendered again at the new width")
	for _, line := range strings.Split(m.View(), "\n") {
		assert.LessOrEqual(t, len([]rune(line)), 60, line)
	}
	assert.Len(t, strings.Split(m.View(), "\n"), 20)
}

func TestEveryScreenFits80x24(t *testing.T) {
	defer noLeaks(t)
	f := newFake()
	f.state.Solved["01-wg-ordering"] = true
	f.state.Current = "01-wg-ordering"
	for _, keys := range [][]string{{}, {"h"}, {"s"}, {"d"}, {"b"}, {"o"}, {"l"}, {"?"}, {"x"}} {
		m, cancel := start(t, f)
		m = press(t, m, keys...)
		v := m.View()
		assert.LessOrEqual(t, len(strings.Split(v, "\n")), 24, "%v:\n%s", keys, v)
		for _, line := range strings.Split(v, "\n") {
			assert.LessOrEqual(t, len([]rune(stripOSC(line))), 80, "%v: %q", keys, line)
		}
		cancel()
	}
}

func stripOSC(s string) string {
	for {
		i := strings.Index(s, "\x1b]8;;")
		if i < 0 {
			return s
		}
		j := strings.Index(s[i:], "\x1b\\")
		if j < 0 {
			return s
		}
		s = s[:i] + s[i+j+2:]
	}
}

func TestHyperlinks(t *testing.T) {
	defer noLeaks(t)
	f := newFake()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := testOptions()
	opts.Hyperlinks = true
	m := New(ctx, f, opts)
	m = drive(t, m, m.Init())
	assert.Contains(t, m.View(), "\x1b]8;;file:///work/book/katas/01-wg-ordering/main.go\x1b\\katas/01-wg-ordering/main.go\x1b]8;;\x1b\\")
}

func TestEditor(t *testing.T) {
	defer noLeaks(t)
	c := editorCommand("code -w", "/w/main.go")
	assert.Equal(t, []string{"code", "-w", "/w/main.go"}, c.Args)
	assert.Equal(t, []string{"vi", "/w/main.go"}, editorCommand("", "/w/main.go").Args)

	f := newFake()
	m, cancel := start(t, f)
	defer cancel()
	next, cmd := m.Update(editorDoneMsg{})
	drive(t, next.(Model), cmd)
	checks, _ := f.count()
	assert.Equal(t, 2, checks, "back from the editor, the tests run again")
	next, _ = m.Update(editorDoneMsg{err: errors.New(`exec: "nano": not found`)})
	assert.Contains(t, next.(Model).View(), "set $EDITOR")
}

func TestSaveErrorIsShown(t *testing.T) {
	defer noLeaks(t)
	m, cancel := start(t, newFake())
	defer cancel()
	next, _ := m.Update(saveErrMsg{err: errors.New("disk full")})
	assert.Contains(t, next.(Model).View(), "could not save your progress: disk full")
}

func TestHintLevelIsRemembered(t *testing.T) {
	defer noLeaks(t)
	f := newFake()
	f.state.HintLevel["01-wg-ordering"] = 2
	m, cancel := start(t, f)
	defer cancel()
	m = press(t, m, "h")
	assert.Equal(t, 2, m.hints.level, "reopens at the level seen last time")
	m = press(t, m, "h")
	assert.Equal(t, 3, m.hints.level)
	f.mu.Lock()
	defer f.mu.Unlock()
	assert.Equal(t, []int{3}, f.hintSets, "only a new level is saved")
}

func TestDoneScreenKeys(t *testing.T) {
	defer noLeaks(t)
	f := newFake()
	solved(f)
	f.state.Current = "03-ctx-timeout"
	f.state.Solved["01-wg-ordering"], f.state.Solved["02-unclosed-body"] = true, true
	m, cancel := start(t, f)
	defer cancel()
	m = press(t, m, "n")
	require.Equal(t, screenDone, m.screen)
	assert.Equal(t, screenList, press(t, m, "l").screen)
	assert.Equal(t, screenBook, press(t, m, "b").screen)
	assert.Equal(t, screenDone, press(t, m, "b", "esc").screen)
	assert.Equal(t, screenKata, press(t, m, "esc").screen)
}

func TestLastKataNotAllSolved(t *testing.T) {
	defer noLeaks(t)
	f := newFake()
	f.state.Current = "03-ctx-timeout"
	m, cancel := start(t, f)
	defer cancel()
	m = press(t, m, "n")
	assert.Equal(t, screenKata, m.screen)
	assert.Contains(t, m.View(), "this is the last kata")
}

// TestBubbleteaCatchesPanics checks what runTUI relies on: bubbletea v1
// recovers a panic in Update, restores the terminal and returns
// ErrProgramPanic (tea.go, Program.Run's deferred recover).
func TestBubbleteaCatchesPanics(t *testing.T) {
	var out bytes.Buffer
	p := tea.NewProgram(panicModel{}, tea.WithInput(strings.NewReader("")), tea.WithOutput(&out), tea.WithoutSignalHandler())
	_, err := p.Run()
	assert.ErrorIs(t, err, tea.ErrProgramPanic)
}

type panicModel struct{}

func (panicModel) Init() tea.Cmd                       { return func() tea.Msg { return "go" } }
func (panicModel) Update(tea.Msg) (tea.Model, tea.Cmd) { panic("boom in Update") }
func (panicModel) View() string                        { return "" }
