package tui

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/progress"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/check"
	"github.com/gokatas/concurrency/internal/diagnose"
	"github.com/gokatas/concurrency/internal/watch"
)

// screen is the root model's state.
type screen int

const (
	screenWelcome screen = iota
	screenKata
	screenList
	screenPager
	screenConfirmReset
	screenDone
)

// Options configure the app.
type Options struct {
	// Styles and Markdown rendering (width in, text out) for the terminal.
	Styles   Styles
	Markdown func(md string, width int) string
	// Manual: no file watching; the learner presses r to run.
	Manual bool
	// WatchMode forces a watch mode ("" = events, falling back to polling).
	WatchMode watch.Mode
	// Hyperlinks: show files as OSC 8 terminal hyperlinks.
	Hyperlinks bool
	// Editor is $EDITOR.
	Editor string
	// Warm: build the race-instrumented tests in the background at start.
	Warm bool
	// Now is the clock (time.Now when nil), for elapsed times.
	Now func() time.Time
}

// run is the state of the current kata's latest check.
type run struct {
	id       int
	cancel   context.CancelFunc
	running  bool
	started  time.Time
	phase    check.Phase
	findings []diagnose.Finding
	lines    []string
	verdict  *check.Verdict
	err      error
}

// maxLines caps the raw output kept for the output viewer.
const maxLines = 5000

// Model is the root model.
type Model struct {
	ctx  context.Context
	eng  Engine
	opts Options
	keys keyMap

	screen, back  screen
	width, height int
	showHelp      bool

	katas []catalog.Kata
	state State
	idx   int
	run   run
	runs  int // run ids

	hints   []string
	message string

	watchID     int
	watchCancel context.CancelFunc
	watchNote   string

	warming bool
	warmErr error

	spinner  spinner.Model
	progress progress.Model
	help     help.Model
	list     listModel
	pager    pagerModel
}

// New returns the app's root model. ctx owns every goroutine the app
// starts (checks, watchers, warm-up): cancel it and they stop.
func New(ctx context.Context, eng Engine, opts Options) Model {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Markdown == nil {
		opts.Markdown = func(md string, _ int) string { return md }
	}
	m := Model{
		ctx: ctx, eng: eng, opts: opts, keys: newKeyMap(),
		katas: eng.Katas(), width: 80, height: 24,
		spinner:  spinner.New(spinner.WithSpinner(spinner.Line)),
		progress: progress.New(progress.WithoutPercentage(), progress.WithWidth(30), progress.WithSolidFill("#98C379")),
		help:     help.New(),
		warming:  opts.Warm,
	}
	m.list = newListModel(m.katas, opts.Styles)
	m.pager = newPagerModel()
	return m
}

// Init loads the progress and starts the warm-up.
func (m Model) Init() tea.Cmd {
	cmds := []tea.Cmd{loadState(m.eng)}
	if m.opts.Warm {
		cmds = append(cmds, warm(m.ctx, m.eng))
	}
	return tea.Batch(cmds...)
}

func (m Model) kata() catalog.Kata { return m.katas[m.idx] }

// Update handles global messages and keys, then hands the rest to the
// current screen.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.list.setSize(msg.Width, msg.Height-2)
		m.pager.setSize(msg.Width, msg.Height-3)
		m.help.Width = msg.Width
		return m, nil
	case tea.KeyMsg:
		if msg.String() == "ctrl+c" {
			return m.quit()
		}
		if m.showHelp {
			m.showHelp = false
			return m, nil
		}
	case stateMsg:
		return m.onState(msg)
	case runStartedMsg:
		if msg.id != m.run.id {
			return m, nil
		}
		return m, listen(msg)
	case runUpdateMsg:
		return m.onRunUpdate(msg)
	case runDoneMsg:
		return m.onRunDone(msg)
	case watchStartedMsg:
		return m.onWatchStarted(msg)
	case fileChangedMsg:
		if msg.id != m.watchID {
			return m, nil
		}
		m.message = "change saved: running the tests"
		return m.startCheck(nextChange(msg.id, msg.w))
	case warmDoneMsg:
		m.warming, m.warmErr = false, msg.err
		return m, nil
	case editorDoneMsg:
		if msg.err != nil {
			m.message = "editor: " + msg.err.Error()
			return m, nil
		}
		return m.startCheck()
	case resetDoneMsg:
		m.screen = screenKata
		if msg.err != nil {
			m.message = "reset failed: " + msg.err.Error()
			return m, nil
		}
		m.message = msg.msg
		delete(m.state.Solved, m.kata().ID)
		return m.startCheck()
	case hintsMsg:
		return m.onHints(msg)
	case pagerMsg:
		if msg.err != nil {
			m.message = msg.err.Error()
			return m, nil
		}
		m.back, m.screen = m.screen, screenPager
		m.pager.open(msg.title, msg.content)
		return m, nil
	case spinner.TickMsg:
		if !m.run.running && !m.warming {
			return m, nil
		}
		var cmd tea.Cmd
		m.spinner, cmd = m.spinner.Update(msg)
		return m, cmd
	}
	return m.updateScreen(msg)
}

// updateScreen delegates to the current screen.
func (m Model) updateScreen(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch m.screen {
	case screenWelcome:
		return m.updateWelcome(msg)
	case screenKata:
		return m.updateKata(msg)
	case screenList:
		return m.updateList(msg)
	case screenPager:
		return m.updatePager(msg)
	case screenConfirmReset:
		return m.updateConfirm(msg)
	case screenDone:
		return m.updateDone(msg)
	}
	return m, nil
}

func (m Model) quit() (tea.Model, tea.Cmd) {
	if m.run.cancel != nil {
		m.run.cancel()
	}
	if m.watchCancel != nil {
		m.watchCancel()
	}
	return m, tea.Quit
}

func (m Model) onState(msg stateMsg) (tea.Model, tea.Cmd) {
	if msg.err != nil {
		m.message = "progress: " + msg.err.Error()
	}
	m.state = msg.state
	if m.state.Solved == nil {
		m.state.Solved = map[string]bool{}
	}
	if m.state.HintLevel == nil {
		m.state.HintLevel = map[string]int{}
	}
	m.idx = m.currentIndex()
	m.list.refresh(m.katas, m.state)
	if !m.state.Welcomed {
		m.screen = screenWelcome
		return m, nil
	}
	return m.openKata(m.idx)
}

// currentIndex is the kata to open: the one chosen last, else the first pending.
func (m Model) currentIndex() int {
	for i, k := range m.katas {
		if k.ID == m.state.Current {
			return i
		}
	}
	for i, k := range m.katas {
		if !m.state.Solved[k.ID] {
			return i
		}
	}
	return 0
}

// openKata shows kata i: it watches its folder and runs its tests.
func (m Model) openKata(i int) (tea.Model, tea.Cmd) {
	m.idx = i
	m.screen = screenKata
	m.hints = nil
	if m.run.cancel != nil {
		m.run.cancel()
	}
	m.run = run{id: m.run.id}
	k := m.kata()
	m.state.Current = k.ID
	cmds := []tea.Cmd{setCurrent(m.eng, k.ID), loadHints(m.eng, k)}
	if m.watchCancel != nil {
		m.watchCancel()
		m.watchCancel = nil
	}
	if !m.opts.Manual {
		m.watchID++
		ctx, cancel := context.WithCancel(m.ctx)
		m.watchCancel = cancel
		cmds = append(cmds, startWatch(ctx, filepath.Join(m.eng.Root(), filepath.FromSlash(k.Dir)), m.watchID, m.opts.WatchMode))
	}
	next, cmd := m.startCheck(cmds...)
	return next, cmd
}

// startCheck cancels any run in flight and starts a new one.
func (m Model) startCheck(extra ...tea.Cmd) (Model, tea.Cmd) {
	if m.run.cancel != nil {
		m.run.cancel()
	}
	m.runs++
	ctx, cancel := context.WithCancel(m.ctx)
	m.run = run{id: m.runs, cancel: cancel, running: true, started: m.opts.Now(), phase: check.PhaseBuilding}
	cmds := append(extra, startRun(ctx, m.eng, m.kata(), m.run.id), m.spinner.Tick)
	return m, tea.Batch(cmds...)
}

func (m Model) onRunUpdate(msg runUpdateMsg) (tea.Model, tea.Cmd) {
	if msg.id != m.run.id {
		return m, listen(msg.run) // drain a superseded run
	}
	u := msg.update
	switch {
	case u.Phase != "":
		m.run.phase = u.Phase
	case u.Finding != nil:
		m.run.findings = append(m.run.findings, *u.Finding)
	case u.Line != "" && len(m.run.lines) < maxLines:
		m.run.lines = append(m.run.lines, u.Line)
	}
	return m, listen(msg.run)
}

func (m Model) onRunDone(msg runDoneMsg) (tea.Model, tea.Cmd) {
	if msg.id != m.run.id {
		return m, nil
	}
	m.run.running = false
	if m.run.cancel != nil {
		m.run.cancel()
	}
	if msg.err != nil {
		if m.ctx.Err() == nil && !isCanceled(msg.err) {
			m.run.err = msg.err
		}
		return m, nil
	}
	v := msg.verdict
	m.run.verdict = &v
	m.run.findings = v.Findings
	if v.Outcome == check.Solved {
		m.state.Solved[m.kata().ID] = true
		m.list.refresh(m.katas, m.state)
		m.message = ""
	}
	return m, nil
}

func isCanceled(err error) bool { return errors.Is(err, context.Canceled) }

func (m Model) onWatchStarted(msg watchStartedMsg) (tea.Model, tea.Cmd) {
	if msg.id != m.watchID {
		return m, nil
	}
	if msg.err != nil {
		m.watchNote = fmt.Sprintf("not watching files (%v): press r to run, or restart with --manual", msg.err)
		return m, nil
	}
	m.watchNote = msg.w.Fallback
	return m, nextChange(msg.id, msg.w)
}

func (m Model) onHints(msg hintsMsg) (tea.Model, tea.Cmd) {
	if msg.kata != m.kata().ID {
		return m, nil
	}
	if msg.err != nil {
		m.message = msg.err.Error()
		return m, nil
	}
	m.hints = msg.hints
	return m, nil
}

func (m Model) updateWelcome(msg tea.Msg) (tea.Model, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	switch {
	case key.Matches(k, m.keys.Quit):
		return m.quit()
	case key.Matches(k, m.keys.Enter), k.String() == " ":
		m.state.Welcomed = true
		next, cmd := m.openKata(m.idx)
		return next, tea.Batch(cmd, markWelcomed(m.eng))
	}
	return m, nil
}

func (m Model) updateDone(msg tea.Msg) (tea.Model, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	switch {
	case key.Matches(k, m.keys.Quit):
		return m.quit()
	case key.Matches(k, m.keys.List):
		m.screen = screenList
	case key.Matches(k, m.keys.Book):
		return m, m.bookCmd()
	}
	return m, nil
}

func (m Model) updateConfirm(msg tea.Msg) (tea.Model, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	switch {
	case key.Matches(k, m.keys.Yes):
		if m.run.cancel != nil {
			m.run.cancel()
		}
		m.run.running = false
		return m, resetKata(m.ctx, m.eng, m.kata())
	case key.Matches(k, m.keys.No), key.Matches(k, m.keys.Quit):
		m.screen = screenKata
	}
	return m, nil
}

func (m Model) updatePager(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok {
		switch {
		case key.Matches(k, m.keys.Back), key.Matches(k, m.keys.Quit):
			m.screen = m.back
			return m, nil
		case key.Matches(k, m.keys.Help):
			m.showHelp = true
			return m, nil
		}
	}
	var cmd tea.Cmd
	m.pager, cmd = m.pager.update(msg)
	return m, cmd
}

func (m Model) updateList(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok && !m.list.filtering() {
		switch {
		case key.Matches(k, m.keys.Enter):
			return m.openKata(m.list.selected())
		case key.Matches(k, m.keys.Back), key.Matches(k, m.keys.List):
			m.screen = screenKata
			return m, nil
		case key.Matches(k, m.keys.Quit):
			return m.quit()
		}
	}
	var cmd tea.Cmd
	m.list, cmd = m.list.update(msg)
	return m, cmd
}

// View renders the current screen. It reads the model only.
func (m Model) View() string {
	if m.showHelp {
		return m.helpView()
	}
	switch m.screen {
	case screenWelcome:
		return m.welcomeView()
	case screenList:
		return m.list.view()
	case screenPager:
		return m.pager.view(m.opts.Styles)
	case screenConfirmReset:
		return m.kataView() + "\n" + m.opts.Styles.Failing.Render(fmt.Sprintf("Reset %s to its original files? Your version is backed up first. [y/N]", m.kata().ID))
	case screenDone:
		return m.doneView()
	}
	if len(m.katas) == 0 {
		return "no katas"
	}
	return m.kataView()
}
