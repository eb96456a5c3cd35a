// Package watch tells when the Go files of a folder change: through file
// system events where the platform has them (the folder is watched, not the
// files, because editors save by renaming a new file over the old one), or by
// polling where it does not (WSL's /mnt, network mounts). Bursts of changes
// are debounced into one notification.
package watch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Mode is how a folder is watched.
type Mode string

// The modes.
const (
	Events  Mode = "events"  // fsnotify
	Polling Mode = "polling" // stat every PollEvery
)

// Options tune a watch.
type Options struct {
	// Debounce waits this long after the last change before notifying (200 ms when 0).
	Debounce time.Duration
	// PollEvery is the polling interval (500 ms when 0).
	PollEvery time.Duration
	// Mode forces a mode; empty tries Events and falls back to Polling.
	Mode Mode
}

// Watcher notifies on Changes after Go files in its folder change.
type Watcher struct {
	// Changes receives one value per debounced burst of changes. It is
	// closed when the watch stops.
	Changes <-chan struct{}
	// Mode is how the folder is being watched.
	Mode Mode
	// Fallback explains why polling is used, when it is.
	Fallback string
}

// Start watches dir until ctx is done. The watching goroutine is owned by
// ctx: cancelling it stops the goroutine and closes Changes.
func Start(ctx context.Context, dir string, o Options) (*Watcher, error) {
	if o.Debounce == 0 {
		o.Debounce = 200 * time.Millisecond
	}
	if o.PollEvery == 0 {
		o.PollEvery = 500 * time.Millisecond
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("watch %s: not a folder", dir)
	}
	out := make(chan struct{})
	w := &Watcher{Changes: out, Mode: Polling}
	var raw <-chan struct{}
	if o.Mode != Polling {
		ch, err := startEvents(ctx, dir)
		if err == nil {
			w.Mode, raw = Events, ch
		} else if o.Mode == Events {
			return nil, err
		} else {
			w.Fallback = fmt.Sprintf("file events are not available here (%v): checking for changes every %s instead", err, o.PollEvery)
		}
	}
	if raw == nil {
		raw = startPolling(ctx, dir, o.PollEvery)
	}
	go debounce(ctx, raw, out, o.Debounce)
	return w, nil
}

// debounce forwards one notification per burst on raw, d after its last event.
func debounce(ctx context.Context, raw <-chan struct{}, out chan<- struct{}, d time.Duration) {
	defer close(out)
	timer := time.NewTimer(d)
	timer.Stop()
	defer timer.Stop()
	pending := false
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-raw:
			if !ok {
				return
			}
			timer.Reset(d)
			pending = true
		case <-timer.C:
			if pending {
				pending = false
				select {
				case out <- struct{}{}:
				case <-ctx.Done():
					return
				}
			}
		}
	}
}

// relevant reports whether a changed path is a Go source file (editors'
// swap and backup files are not).
func relevant(name string) bool {
	base := filepath.Base(name)
	return strings.HasSuffix(base, ".go") && !strings.HasPrefix(base, ".") && !strings.HasPrefix(base, "#")
}

func startEvents(ctx context.Context, dir string) (<-chan struct{}, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("file events: %w", err)
	}
	if err := fw.Add(dir); err != nil {
		fw.Close()
		return nil, fmt.Errorf("file events: %w", err)
	}
	out := make(chan struct{})
	go func() {
		defer close(out)
		defer fw.Close()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-fw.Events:
				if !ok {
					return
				}
				if !relevant(ev.Name) || ev.Op == fsnotify.Chmod {
					continue
				}
				select {
				case out <- struct{}{}:
				case <-ctx.Done():
					return
				}
			case err, ok := <-fw.Errors:
				if !ok || errors.Is(err, fsnotify.ErrEventOverflow) {
					continue
				}
			}
		}
	}()
	return out, nil
}

// stamp is what polling compares: size and modification time per Go file.
type stamp map[string]string

func snapshot(dir string) stamp {
	s := stamp{}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !relevant(e.Name()) {
			continue
		}
		if info, err := e.Info(); err == nil {
			s[e.Name()] = fmt.Sprint(info.Size(), info.ModTime().UnixNano())
		}
	}
	return s
}

func (s stamp) equal(o stamp) bool {
	if len(s) != len(o) {
		return false
	}
	for k, v := range s {
		if o[k] != v {
			return false
		}
	}
	return true
}

func startPolling(ctx context.Context, dir string, every time.Duration) <-chan struct{} {
	out := make(chan struct{})
	// The first snapshot is taken before Start returns: a change made right
	// after Start must count as a change, not as the baseline.
	last := snapshot(dir)
	go func() {
		defer close(out)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				now := snapshot(dir)
				if now.equal(last) {
					continue
				}
				last = now
				select {
				case out <- struct{}{}:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out
}
