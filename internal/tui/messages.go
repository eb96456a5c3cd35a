package tui

import (
	"context"
	"os"
	"os/exec"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/gokatas/concurrency/internal/catalog"
	"github.com/gokatas/concurrency/internal/check"
	"github.com/gokatas/concurrency/internal/watch"
)

// Messages: every piece of I/O comes back as one of these.
type (
	stateMsg struct {
		state State
		err   error
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
	warmDoneMsg   struct{ err error }
	editorDoneMsg struct{ err error }
	resetDoneMsg  struct {
		msg string
		err error
	}
	// pagerMsg opens the pager with rendered content.
	pagerMsg struct {
		title, content string
		err            error
	}
	hintsMsg struct {
		kata  string
		hints []string
		err   error
	}
)

func loadState(eng Engine) tea.Cmd {
	return func() tea.Msg {
		s, err := eng.Load()
		return stateMsg{state: s, err: err}
	}
}

// startRun starts a check whose goroutine is owned by ctx: Check returns
// (and closes updates) once ctx is cancelled.
func startRun(ctx context.Context, eng Engine, k catalog.Kata, id int) tea.Cmd {
	return func() tea.Msg {
		updates := make(chan check.Update)
		result := make(chan runDoneMsg, 1)
		go func() {
			v, err := eng.Check(ctx, k, updates)
			result <- runDoneMsg{id: id, verdict: v, err: err}
		}()
		return runStartedMsg{id: id, updates: updates, result: result}
	}
}

// listen waits for the next update of a run, or its verdict.
func listen(r runStartedMsg) tea.Cmd {
	return func() tea.Msg {
		u, ok := <-r.updates
		if !ok {
			return <-r.result
		}
		return runUpdateMsg{id: r.id, update: u, run: r}
	}
}

func startWatch(ctx context.Context, dir string, id int, mode watch.Mode) tea.Cmd {
	return func() tea.Msg {
		w, err := watch.Start(ctx, dir, watch.Options{Mode: mode})
		return watchStartedMsg{id: id, w: w, err: err}
	}
}

// nextChange waits for the watcher's next change; nil when it stopped.
func nextChange(id int, w *watch.Watcher) tea.Cmd {
	return func() tea.Msg {
		if _, ok := <-w.Changes; !ok {
			return nil
		}
		return fileChangedMsg{id: id, w: w}
	}
}

func warm(ctx context.Context, eng Engine) tea.Cmd {
	return func() tea.Msg { return warmDoneMsg{err: eng.Warm(ctx)} }
}

func loadHints(eng Engine, k catalog.Kata) tea.Cmd {
	return func() tea.Msg {
		h, err := eng.Hints(k)
		return hintsMsg{kata: k.ID, hints: h, err: err}
	}
}

func saveHintLevel(eng Engine, k catalog.Kata, level int) tea.Cmd {
	return func() tea.Msg {
		_ = eng.SetHintLevel(k, level)
		return nil
	}
}

func setCurrent(eng Engine, id string) tea.Cmd {
	return func() tea.Msg {
		_ = eng.SetCurrent(id)
		return nil
	}
}

func markWelcomed(eng Engine) tea.Cmd {
	return func() tea.Msg {
		_ = eng.MarkWelcomed()
		return nil
	}
}

// openPager renders markdown off the UI loop and opens the pager.
func openPager(title string, md func() (string, error), render func(string, int) string, width int) tea.Cmd {
	return func() tea.Msg {
		text, err := md()
		if err != nil {
			return pagerMsg{title: title, err: err}
		}
		return pagerMsg{title: title, content: render(text, width)}
	}
}

func resetKata(ctx context.Context, eng Engine, k catalog.Kata) tea.Cmd {
	return func() tea.Msg {
		msg, err := eng.Reset(ctx, k)
		return resetDoneMsg{msg: msg, err: err}
	}
}

// openEditor suspends the app, runs $EDITOR on file, and resumes.
func openEditor(editor, file string) tea.Cmd {
	if editor == "" {
		editor = "vi"
	}
	c := exec.Command(editor, file)
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stdout, os.Stderr
	return tea.ExecProcess(c, func(err error) tea.Msg { return editorDoneMsg{err: err} })
}
