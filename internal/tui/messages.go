package tui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/check"
	"github.com/gokatas/concurrency/internal/watch"
)

// Messages: every piece of I/O comes back as one of these.
type (
	stateMsg struct {
		state  State
		routes []catalog.Route
		err    error
	}
	// runStartedMsg: a check is under way; listen on updates, then result.
	runStartedMsg struct {
		id      int
		updates <-chan check.Update
		result  <-chan runDoneMsg
	}
	runUpdateMsg struct {
		id     int
		update check.Update
		run    runStartedMsg
	}
	runDoneMsg struct {
		id      int
		verdict check.Verdict
		err     error
	}
	watchStartedMsg struct {
		id  int
		w   *watch.Watcher
		err error
	}
	fileChangedMsg struct {
		id int
		w  *watch.Watcher
	}
	// watchStoppedMsg: the watcher's Changes closed.
	watchStoppedMsg struct{ id int }
	// warmStartedMsg: the warm-up runs; listen on updates, then done.
	warmStartedMsg struct {
		updates <-chan WarmStatus
		done    <-chan warmDoneMsg
	}
	warmUpdateMsg struct {
		status WarmStatus
		warm   warmStartedMsg
	}
	warmDoneMsg   struct{ err error }
	editorDoneMsg struct{ err error }
	resetDoneMsg  struct {
		msg string
		err error
	}
	hintsMsg struct {
		kata  string
		hints []string
		err   error
	}
	solutionMsg struct {
		kata string
		sol  Solution
		diff bool
		err  error
	}
	chapterMsg struct {
		kata     string
		markdown string
		err      error
	}
	// renderedMsg carries a pager's content rendered at its width.
	renderedMsg struct {
		screen  screen
		gen     int
		content string
		top     bool
	}
	// saveErrMsg reports that progress could not be saved.
	saveErrMsg struct{ err error }
)

func loadState(eng Engine) tea.Cmd {
	return func() tea.Msg {
		s, err := eng.Load()
		routes, rerr := eng.Routes()
		return stateMsg{state: s, routes: routes, err: errors.Join(err, rerr)}
	}
}

// startRun starts a check in a goroutine owned by ctx (Check returns once
// ctx is cancelled) and counted in jobs, so the caller can wait for the
// engine to stop the test process before the program exits. A panic in the
// engine becomes the run's error rather than a crash with the terminal raw.
func startRun(ctx context.Context, jobs *sync.WaitGroup, eng Engine, k catalog.Kata, id int) tea.Cmd {
	return func() tea.Msg {
		updates := make(chan check.Update)
		result := make(chan runDoneMsg, 1)
		jobs.Add(1)
		go func() {
			defer jobs.Done()
			res := runDoneMsg{id: id}
			defer func() {
				if r := recover(); r != nil {
					res = runDoneMsg{id: id, err: fmt.Errorf("the checker crashed: %v", r)}
				}
				result <- res
			}()
			res.verdict, res.err = eng.Check(ctx, k, updates)
		}()
		return runStartedMsg{id: id, updates: updates, result: result}
	}
}

// listen waits for the next update of a run, or its verdict. Updates are
// unbuffered, so once the result is there every update was received.
func listen(r runStartedMsg) tea.Cmd {
	return func() tea.Msg {
		select {
		case u, ok := <-r.updates:
			if !ok {
				return <-r.result
			}
			return runUpdateMsg{id: r.id, update: u, run: r}
		case res := <-r.result:
			return res
		}
	}
}

func startWatch(ctx context.Context, dir string, id int, mode watch.Mode) tea.Cmd {
	return func() tea.Msg {
		w, err := watch.Start(ctx, dir, watch.Options{Mode: mode})
		return watchStartedMsg{id: id, w: w, err: err}
	}
}

// nextChange waits for the watcher's next change.
func nextChange(id int, w *watch.Watcher) tea.Cmd {
	return func() tea.Msg {
		if _, ok := <-w.Changes; !ok {
			return watchStoppedMsg{id: id}
		}
		return fileChangedMsg{id: id, w: w}
	}
}

// warm starts the warm-up in a goroutine owned by ctx and counted in jobs
// (so the app waits for its go processes to be stopped before it exits).
func warm(ctx context.Context, jobs *sync.WaitGroup, eng Engine) tea.Cmd {
	return func() tea.Msg {
		updates := make(chan WarmStatus)
		done := make(chan warmDoneMsg, 1)
		jobs.Add(1)
		go func() {
			defer jobs.Done()
			res := warmDoneMsg{}
			defer func() {
				if r := recover(); r != nil {
					res = warmDoneMsg{err: fmt.Errorf("the warm-up crashed: %v", r)}
				}
				close(updates)
				done <- res
			}()
			res.err = eng.Warm(ctx, func(s WarmStatus) {
				select {
				case updates <- s:
				case <-ctx.Done():
				}
			})
		}()
		return warmStartedMsg{updates: updates, done: done}
	}
}

// listenWarm waits for the warm-up's next step, or its end.
func listenWarm(w warmStartedMsg) tea.Cmd {
	return func() tea.Msg {
		if s, ok := <-w.updates; ok {
			return warmUpdateMsg{status: s, warm: w}
		}
		return <-w.done
	}
}

func loadHints(eng Engine, k catalog.Kata) tea.Cmd {
	return func() tea.Msg {
		h, err := eng.Hints(k)
		return hintsMsg{kata: k.ID, hints: h, err: err}
	}
}

func loadSolution(eng Engine, k catalog.Kata, diff bool) tea.Cmd {
	return func() tea.Msg {
		s, err := eng.Solution(k)
		return solutionMsg{kata: k.ID, sol: s, diff: diff, err: err}
	}
}

func loadChapter(eng Engine, k catalog.Kata) tea.Cmd {
	return func() tea.Msg {
		md, err := eng.Chapter(k)
		return chapterMsg{kata: k.ID, markdown: md, err: err}
	}
}

// save runs a progress write; a failure is reported, not fatal.
func save(f func() error) tea.Cmd {
	return func() tea.Msg {
		if err := f(); err != nil {
			return saveErrMsg{err: err}
		}
		return nil
	}
}

func saveHintLevel(eng Engine, k catalog.Kata, level int) tea.Cmd {
	return save(func() error { return eng.SetHintLevel(k, level) })
}

func setCurrent(eng Engine, id string) tea.Cmd {
	return save(func() error { return eng.SetCurrent(id) })
}

func markWelcomed(eng Engine) tea.Cmd {
	return save(eng.MarkWelcomed)
}

func resetKata(ctx context.Context, eng Engine, k catalog.Kata) tea.Cmd {
	return func() tea.Msg {
		msg, err := eng.Reset(ctx, k)
		return resetDoneMsg{msg: msg, err: err}
	}
}

// editorCommand is the command that opens file in editor ($EDITOR may carry
// arguments, as in "code -w"); vi when it is empty.
func editorCommand(editor, file string) *exec.Cmd {
	args := strings.Fields(editor)
	if len(args) == 0 {
		args = []string{"vi"}
	}
	c := exec.Command(args[0], append(args[1:], file)...)
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stdout, os.Stderr
	return c
}

// openEditor suspends the app, runs the editor on file, and resumes.
func openEditor(editor, file string) tea.Cmd {
	return tea.ExecProcess(editorCommand(editor, file), func(err error) tea.Msg { return editorDoneMsg{err: err} })
}
