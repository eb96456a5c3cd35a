package tui

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
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

// screen is the root model's state: which child model gets the keys.
type screen int

const (
	screenWelcome screen = iota
	screenKata
	screenList
	screenHints
	screenSolution
	screenBook
	screenOutput
	screenConfirmReset
	screenDone
	screenTrace
	screenRoute
)

// Options configure the app.
type Options struct {
	// Styles are the looks, built for the terminal's renderer.
	Styles Styles
	// Markdown renders Markdown at a width (glamour in the real app).
	Markdown func(md string, width int) string
	// Manual: no file watching; the learner presses r to run.
	Manual bool
	// WatchMode forces a watch mode ("" = events, falling back to polling).
	WatchMode watch.Mode
	// Hyperlinks: show files as OSC 8 terminal hyperlinks.
	Hyperlinks bool
	// Editor is $EDITOR.
	Editor string
	// Warm: build the race-instrumented dependencies before the first run.
	Warm bool
	// Now is the clock (time.Now when nil), for elapsed times.
	Now func() time.Time
	// Route, when set, is the route to walk (the --route flag); it is
	// remembered.
	Route string
}

// run is the state of the current kata's latest check.
type run struct {
	id       int
	cancel   context.CancelFunc
	running  bool
	waiting  bool // asked for while the warm-up runs; starts when it ends
	started  time.Time
	phase    check.Phase
	build    *check.BuildStatus // what is being built, while the build runs
	findings []diagnose.Finding
	lines    []string
	verdict  *check.Verdict
	err      error
}

// maxLines caps the raw output kept for the output screen.
const maxLines = 5000

// Model is the root model: global keys and window size first, then the
// message goes to the child of the current screen.
type Model struct {
	ctx  context.Context
	eng  Engine
	opts Options
	keys keyMap
	jobs *sync.WaitGroup // running checks, for Wait

	screen        screen
	width, height int
	showHelp      bool

	all    []catalog.Kata  // every kata, in number order
	katas  []catalog.Kata  // the katas of the route walked, in its order
	routes []catalog.Route // the suggested routes
	state  State
	idx    int
	run    run
	runs   int // run ids

	message string
	sel     int // the selected finding on the kata screen

	watchID     int
	watchCancel context.CancelFunc
	watchNote   string

	warming   bool
	warmStart time.Time   // when the warm-up started
	warmBuild *WarmStatus // what the warm-up builds now (nil: nothing)
	warmSince time.Time   // when that build started
	warmErr   error

	spinner  spinner.Model
	progress progress.Model
	help     help.Model
	list     listModel
	hints    hintsModel
	solution solutionModel
	book     bookModel
	output   outputModel
	trace    traceModel
	route    routeModel
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
		ctx: ctx, eng: eng, opts: opts, keys: newKeyMap(), jobs: &sync.WaitGroup{},
		all: eng.Katas(), katas: eng.Katas(), width: 80, height: 24,
		spinner: spinner.New(spinner.WithSpinner(spinner.Line), spinner.WithStyle(opts.Styles.Running)),
		progress: progress.New(progress.WithoutPercentage(), progress.WithWidth(30), progress.WithSolidFill(opts.Styles.BarColor),
			progress.WithColorProfile(opts.Styles.Renderer.ColorProfile())), // NO_COLOR: a plain bar
		help:    help.New(),
		warming: opts.Warm, warmStart: opts.Now(),
	}
	m.help.Styles = opts.Styles.HelpStyles
	m.list = newListModel(m.katas, opts.Styles)
	m.hints.pager, m.solution.pager, m.book.pager, m.output.pager = newPagerModel(), newPagerModel(), newPagerModel(), newPagerModel()
	return m
}

// Wait waits up to d for checks still running to return (after the
// context was cancelled, the engine stops their processes); it reports
// whether they all did.
func (m Model) Wait(d time.Duration) bool {
	done := make(chan struct{})
	go func() { m.jobs.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// Init loads the progress and starts the warm-up.
func (m Model) Init() tea.Cmd {
	cmds := []tea.Cmd{loadState(m.eng)}
	if m.opts.Warm {
		cmds = append(cmds, warm(m.ctx, m.jobs, m.eng), m.spinner.Tick)
	}
	return tea.Batch(cmds...)
}

func (m Model) kata() catalog.Kata { return m.katas[m.idx] }

// Update handles window size, global keys and the messages of I/O, then
// hands the rest to the current screen.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		return m.resize(msg)
	case tea.KeyMsg:
		if next, cmd, ok := m.appKey(msg); ok {
			return next, cmd
		}
	case stateMsg:
		return m.onState(msg)
	case runStartedMsg:
		return m, listen(msg) // a superseded run is drained to its end
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
		return m.startCheck(nextChange(msg.id, msg.w))
	case watchStoppedMsg:
		if msg.id == m.watchID && m.watchCancel != nil && m.ctx.Err() == nil {
			m.watchNote = "file watching stopped: press r to run, or restart the app"
		}
		return m, nil
	case warmStartedMsg:
		return m, listenWarm(msg)
	case warmUpdateMsg:
		return m.onWarmUpdate(msg)
	case warmDoneMsg:
		return m.onWarmDone(msg)
	case editorDoneMsg:
		if msg.err != nil {
			m.message = "editor: " + msg.err.Error() + " (set $EDITOR)"
			return m, nil
		}
		return m.startCheck()
	case resetDoneMsg:
		return m.onReset(msg)
	case traceDoneMsg:
		return m.onTraceDone(msg)
	case hintsMsg:
		if msg.kata == m.kata().ID {
			m.hints.kata, m.hints.hints = msg.kata, msg.hints
			if msg.err != nil {
				m.message = msg.err.Error()
			}
		}
		return m, nil
	case solutionMsg:
		return m.onSolution(msg)
	case chapterMsg:
		return m.onChapter(msg)
	case renderedMsg:
		m.pagerFor(msg.screen).rendered(msg)
		return m, nil
	case saveErrMsg:
		m.message = "could not save your progress: " + msg.err.Error()
		return m, nil
	case spinner.TickMsg:
		if !m.run.running && !m.warming {
			return m, nil // no tick while idle: no CPU while idle
		}
		var cmd tea.Cmd
		m.spinner, cmd = m.spinner.Update(msg)
		return m, cmd
	}
	return m.updateScreen(msg)
}

// appKey handles the keys that mean the same on every screen before the
// screen sees them: ctrl+c quits, any key closes the help, and on the
// screens that are not pagers (welcome, kata, done) q quits and ? opens the
// help. ok reports whether the key was handled.
func (m Model) appKey(k tea.KeyMsg) (next tea.Model, cmd tea.Cmd, ok bool) {
	switch {
	case k.String() == "ctrl+c":
		next, cmd = m.quit()
		return next, cmd, true
	case m.showHelp:
		m.showHelp = false
		return m, nil, true
	case m.screen != screenWelcome && m.screen != screenKata && m.screen != screenDone:
		return m, nil, false
	case key.Matches(k, m.keys.Quit):
		next, cmd = m.quit()
		return next, cmd, true
	case key.Matches(k, m.keys.Help):
		m.showHelp = true
		return m, nil, true
	}
	return m, nil, false
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
	case screenHints:
		return m.updateHints(msg)
	case screenSolution:
		return m.updateSolution(msg)
	case screenBook:
		return m.updateBook(msg)
	case screenOutput:
		return m.updateOutput(msg)
	case screenConfirmReset:
		return m.updateConfirm(msg)
	case screenDone:
		return m.updateDone(msg)
	case screenTrace:
		return m.updateTrace(msg)
	case screenRoute:
		return m.updateRoute(msg)
	}
	return m, nil
}

// pagerFor is the pager of a pager screen.
func (m *Model) pagerFor(s screen) *pagerModel {
	switch s {
	case screenHints:
		return &m.hints.pager
	case screenSolution:
		return &m.solution.pager
	case screenBook:
		return &m.book.pager
	}
	return &m.output.pager
}

// resize lays every screen out again; the open pager re-renders its text.
func (m Model) resize(msg tea.WindowSizeMsg) (tea.Model, tea.Cmd) {
	m.width, m.height = msg.Width, msg.Height
	m.help.Width = msg.Width
	m.list.setSize(msg.Width, msg.Height)
	var cmds []tea.Cmd
	for _, s := range []screen{screenHints, screenSolution, screenBook, screenOutput} {
		p := m.pagerFor(s)
		oldWidth := p.vp.Width
		p.setSize(msg.Width, msg.Height)
		if p.content != nil && p.vp.Width != oldWidth {
			cmds = append(cmds, p.rerender(s, false))
		}
	}
	return m, tea.Batch(cmds...)
}

// quit stops the running check and the watcher, then the program.
func (m Model) quit() (tea.Model, tea.Cmd) {
	m.stopTrace()
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
	m.state, m.routes = msg.state, msg.routes
	if m.state.Solved == nil {
		m.state.Solved = map[string]bool{}
	}
	if m.state.HintLevel == nil {
		m.state.HintLevel = map[string]int{}
	}
	if len(m.katas) == 0 {
		return m, nil
	}
	var cmds []tea.Cmd
	if r := m.opts.Route; r != "" && r != m.state.Route {
		cmds = append(cmds, saveRoute(m.eng, r))
		m.state.Route = r
	}
	m = m.applyRoute(m.state.Route)
	m.idx = m.currentIndex()
	m.list.refresh(m.katas, m.state)
	if len(cmds) > 0 {
		next, cmd := m.onStateOpen()
		return next, tea.Batch(append(cmds, cmd)...)
	}
	return m.onStateOpen()
}

// onStateOpen opens the first screen once the progress is loaded.
func (m Model) onStateOpen() (tea.Model, tea.Cmd) {
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
	m.hints = hintsModel{pager: m.hints.pager}
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
	m.watchNote = ""
	if !m.opts.Manual {
		m.watchID++
		ctx, cancel := context.WithCancel(m.ctx)
		m.watchCancel = cancel
		cmds = append(cmds, startWatch(ctx, filepath.Join(m.eng.Root(), filepath.FromSlash(k.Dir)), m.watchID, m.opts.WatchMode))
	}
	return m.startCheck(cmds...)
}

// startCheck cancels any run in flight and starts a new one (or, while the
// warm-up runs, queues it: two race builds at once would each take longer).
func (m Model) startCheck(extra ...tea.Cmd) (Model, tea.Cmd) {
	if m.run.cancel != nil {
		m.run.cancel()
	}
	m.runs++
	if m.warming {
		m.run = run{id: m.runs, waiting: true}
		return m, tea.Batch(extra...)
	}
	ctx, cancel := context.WithCancel(m.ctx)
	m.run = run{id: m.runs, cancel: cancel, running: true, started: m.opts.Now(), phase: check.PhaseBuilding}
	cmds := append(extra, startRun(ctx, m.jobs, m.eng, m.kata(), m.run.id), m.spinner.Tick)
	return m, tea.Batch(cmds...)
}

// onWarmUpdate remembers what the warm-up builds now, and since when.
func (m Model) onWarmUpdate(msg warmUpdateMsg) (tea.Model, tea.Cmd) {
	m.warmBuild = nil
	if s := msg.status; s.Building && s.Packages > 0 {
		m.warmBuild, m.warmSince = &s, m.opts.Now()
	}
	return m, listenWarm(msg.warm)
}

func (m Model) onWarmDone(msg warmDoneMsg) (tea.Model, tea.Cmd) {
	m.warming, m.warmBuild, m.warmErr = false, nil, msg.err
	if isCanceled(msg.err) {
		m.warmErr = nil
	}
	if m.run.waiting {
		return m.startCheck()
	}
	return m, nil
}

func (m Model) onRunUpdate(msg runUpdateMsg) (tea.Model, tea.Cmd) {
	if msg.id != m.run.id {
		return m, listen(msg.run) // drain a superseded run
	}
	u := msg.update
	switch {
	case u.Phase != "":
		m.run.phase = u.Phase
		if u.Phase != check.PhaseBuilding {
			m.run.build = nil
		}
	case u.Build != nil:
		m.run.build = u.Build
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
	m.sel = 0
	if v.Outcome == check.Solved {
		m.state.Solved[m.kata().ID] = true
		m.list.refresh(m.katas, m.state)
	}
	return m, nil
}

func isCanceled(err error) bool { return errors.Is(err, context.Canceled) }

func (m Model) onWatchStarted(msg watchStartedMsg) (tea.Model, tea.Cmd) {
	if msg.id != m.watchID {
		return m, nil
	}
	if msg.err != nil {
		m.watchNote = fmt.Sprintf("not watching files (%v): press r to run, or restart with --poll (checks every 0.5 s) or --manual", msg.err)
		return m, nil
	}
	m.watchNote = msg.w.Fallback
	return m, nextChange(msg.id, msg.w)
}

func (m Model) onReset(msg resetDoneMsg) (tea.Model, tea.Cmd) {
	m.screen = screenKata
	if msg.err != nil {
		m.message = "reset failed: " + msg.err.Error()
		return m, nil
	}
	delete(m.state.Solved, m.kata().ID)
	m.list.refresh(m.katas, m.state)
	next, cmd := m.startCheck()
	next.message = msg.msg
	return next, cmd
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

// View renders the current screen. It reads the model only.
func (m Model) View() string {
	if len(m.katas) == 0 {
		return "This workbook has no katas.\n"
	}
	if m.showHelp {
		return m.helpView()
	}
	st := m.opts.Styles
	switch m.screen {
	case screenWelcome:
		return m.welcomeView()
	case screenList:
		return m.list.view()
	case screenHints:
		return m.hints.pager.view(st)
	case screenSolution:
		return m.solution.pager.view(st)
	case screenBook:
		return m.book.pager.view(st)
	case screenOutput:
		return m.output.pager.view(st)
	case screenConfirmReset:
		return m.confirmView()
	case screenDone:
		return m.doneView()
	case screenTrace:
		return m.traceView()
	case screenRoute:
		return m.routeView()
	}
	return m.kataView()
}
