// Package timeline turns an execution trace of one kata run (go test
// -trace, read with the Go team's parser golang.org/x/exp/trace) into what a
// learner needs to see the interleaving: one lane per goroutine of the code
// under test with its running, runnable and blocked intervals, the blocking
// reason named down to the sync primitive and the learner's line, the
// goroutines still blocked when the run ended (leaked), and how many of
// them ran at once against GOMAXPROCS. Render draws it as text; the JSON
// form of Timeline is `kata trace --json`.
package timeline

import (
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"

	"golang.org/x/exp/trace"
)

// Schema is the version of the JSON form of a Timeline.
const Schema = 1

// MaxBytes is the largest trace Read accepts.
const MaxBytes = 50 << 20

// ErrTooLarge is returned for a trace over MaxBytes.
var ErrTooLarge = fmt.Errorf("the trace is larger than %d MB: trace one test with --test NAME", MaxBytes>>20)

// State is what a goroutine was doing during an interval.
type State string

// The states a lane shows.
const (
	Running  State = "running"
	Runnable State = "runnable"
	Blocked  State = "blocked"
	Syscall  State = "syscall"
)

// Interval is one stretch of time in one state.
type Interval struct {
	// Start and End are offsets from the start of the trace.
	Start time.Duration `json:"start_ns"`
	End   time.Duration `json:"end_ns"`
	State State         `json:"state"`
	// Reason names what a blocked goroutine waited for, e.g. "WaitGroup.Wait"
	// or "channel receive".
	Reason string `json:"reason,omitempty"`
	// File and Line are the learner's line where it blocked, when known.
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
}

// Goroutine is one lane: a goroutine of the code under test.
type Goroutine struct {
	ID int64 `json:"id"`
	// Func is the function the goroutine runs, shortened
	// (e.g. "Compare.func1").
	Func string `json:"func"`
	// StartFile and StartLine are the learner's line that started it
	// (through wg.Go or a helper too).
	StartFile string     `json:"start_file,omitempty"`
	StartLine int        `json:"start_line,omitempty"`
	Intervals []Interval `json:"intervals"`
	// Leaked: still blocked when the run ended; the last interval says on
	// what and where.
	Leaked bool `json:"leaked"`
}

// Timeline is one traced run.
type Timeline struct {
	Schema int `json:"schema"`
	// Duration is the length of the trace.
	Duration time.Duration `json:"duration_ns"`
	// GOMAXPROCS is the number of Ps during the run (0 when not recorded).
	GOMAXPROCS int `json:"gomaxprocs"`
	// MaxAtOnce is the largest number of goroutines of the code under test
	// running at the same moment (at most GOMAXPROCS).
	MaxAtOnce int `json:"max_at_once"`
	// MaxAlive is the largest number of goroutines of the code under test
	// that existed at the same moment (started and not yet finished).
	MaxAlive int `json:"max_alive"`
	// Goroutines are the goroutines of the code under test, by start time.
	Goroutines []Goroutine `json:"goroutines"`
	// Others counts every other goroutine (the tests', the runtime's).
	Others int `json:"others"`
	// Partial: the trace ended early (the test binary was stopped); what
	// was read is shown.
	Partial bool `json:"partial,omitempty"`
}

// lane is a goroutine being built.
type lane struct {
	g       Goroutine
	mine    bool
	state   State // current state, "" when not existing
	since   time.Duration
	reason  string
	file    string
	line    int
	started bool
}

// Read parses a trace. pkg is the import path of the code under test: a
// goroutine belongs to it when the first frame outside the standard
// library of the stack that created it is in one of pkg's non-test files,
// or when it runs a function of pkg.
func Read(r io.Reader, pkg string) (*Timeline, error) {
	lr := &io.LimitedReader{R: r, N: MaxBytes + 1}
	tr, err := trace.NewReader(lr)
	if err != nil {
		return nil, fmt.Errorf("read trace: %w", err)
	}
	b := builder{pkg: pkg, lanes: map[trace.GoID]*lane{}}
	for {
		ev, err := tr.ReadEvent()
		if errors.Is(err, io.EOF) {
			break
		}
		if lr.N <= 0 {
			return nil, ErrTooLarge
		}
		if err != nil {
			b.partial = true // a stopped binary leaves a cut trace: keep what was read
			break
		}
		b.event(ev)
	}
	return b.finish(), nil
}

// builder accumulates lanes from events.
type builder struct {
	pkg        string
	start, end trace.Time
	lanes      map[trace.GoID]*lane
	procs      int
	partial    bool
}

func (b *builder) at(t trace.Time) time.Duration { return time.Duration(t - b.start) }

func (b *builder) event(ev trace.Event) {
	if b.start == 0 {
		b.start = ev.Time()
	}
	b.end = max(b.end, ev.Time())
	switch ev.Kind() {
	case trace.EventMetric:
		if m := ev.Metric(); m.Name == "/sched/gomaxprocs:threads" {
			b.procs = int(m.Value.Uint64())
		}
	case trace.EventStateTransition:
		st := ev.StateTransition()
		if st.Resource.Kind != trace.ResourceGoroutine {
			return
		}
		from, to := st.Goroutine()
		b.transition(ev, st, from, to)
	}
}

func (b *builder) transition(ev trace.Event, st trace.StateTransition, from, to trace.GoState) {
	id := st.Resource.Goroutine()
	l, ok := b.lanes[id]
	if !ok {
		l = &lane{g: Goroutine{ID: int64(id)}}
		b.lanes[id] = l
		if from == trace.GoNotExist {
			l.started = true
			l.mine, l.g.Func, l.g.StartFile, l.g.StartLine = b.origin(ev.Stack(), st.Stack)
		} else {
			// Already running when the trace began: judge by its stack.
			l.mine, l.g.Func, _, _ = b.origin(trace.NoStack, st.Stack)
		}
	}
	now := b.at(ev.Time())
	if to == trace.GoWaiting && l.state == Blocked && st.Reason == "" {
		// The trace restates a goroutine's state at each generation
		// boundary, without the reason: it is still blocked on the same thing.
		return
	}
	b.close(l, now)
	l.state, l.since, l.reason, l.file, l.line = stateOf(to), now, "", "", 0
	if to == trace.GoWaiting {
		l.reason, l.file, l.line = b.blocked(st.Reason, ev.Stack())
		if !l.mine {
			b.adopt(l, ev.Stack())
		}
	}
}

// adopt makes a lane of a goroutine started elsewhere (a test, a guard) that
// blocked inside the code under test, named after the outermost function of
// the code under test on its stack.
func (b *builder) adopt(l *lane, stack trace.Stack) {
	for f := range stack.Frames() {
		if b.inPkg(f) && !strings.HasSuffix(f.File, "_test.go") {
			l.mine, l.g.Func = true, shortFunc(f.Func)+" (from a test)"
			l.g.StartFile, l.g.StartLine = "", 0
		}
	}
}

// close ends the lane's current interval at now.
func (b *builder) close(l *lane, now time.Duration) {
	if l.state == "" || now < l.since {
		return
	}
	iv := Interval{Start: l.since, End: now, State: l.state, Reason: l.reason, File: l.file, Line: l.line}
	if n := len(l.g.Intervals); n > 0 {
		last := &l.g.Intervals[n-1]
		if last.End == iv.Start && last.State == iv.State && last.Reason == iv.Reason && last.Line == iv.Line {
			last.End = iv.End
			return
		}
	}
	l.g.Intervals = append(l.g.Intervals, iv)
}

func stateOf(s trace.GoState) State {
	switch s {
	case trace.GoRunning:
		return Running
	case trace.GoRunnable:
		return Runnable
	case trace.GoWaiting:
		return Blocked
	case trace.GoSyscall:
		return Syscall
	}
	return ""
}

func (b *builder) finish() *Timeline {
	t := &Timeline{Schema: Schema, Duration: b.at(b.end), GOMAXPROCS: b.procs, Partial: b.partial}
	for _, l := range b.lanes {
		if !l.mine {
			t.Others++
			continue
		}
		leaked := l.state == Blocked
		b.close(l, t.Duration)
		l.g.Leaked = leaked
		if l.g.Intervals == nil {
			l.g.Intervals = []Interval{}
		}
		t.Goroutines = append(t.Goroutines, l.g)
	}
	slices.SortFunc(t.Goroutines, func(a, b Goroutine) int {
		return cmpStart(a, b)
	})
	t.MaxAtOnce = maxOverlap(t.Goroutines, func(iv Interval) bool { return iv.State == Running })
	t.MaxAlive = maxOverlap(t.Goroutines, func(Interval) bool { return true })
	return t
}

func cmpStart(a, b Goroutine) int {
	sa, sb := firstStart(a), firstStart(b)
	if sa != sb {
		if sa < sb {
			return -1
		}
		return 1
	}
	return int(a.ID - b.ID)
}

func firstStart(g Goroutine) time.Duration {
	if len(g.Intervals) == 0 {
		return 0
	}
	return g.Intervals[0].Start
}

// maxOverlap is the largest number of goroutines with an interval that
// counts at the same moment.
func maxOverlap(gs []Goroutine, counts func(Interval) bool) int {
	type edge struct {
		at    time.Duration
		delta int
	}
	var edges []edge
	for _, g := range gs {
		for _, iv := range g.Intervals {
			if counts(iv) && iv.End > iv.Start {
				edges = append(edges, edge{iv.Start, 1}, edge{iv.End, -1})
			}
		}
	}
	slices.SortFunc(edges, func(a, b edge) int {
		if a.at != b.at {
			if a.at < b.at {
				return -1
			}
			return 1
		}
		return a.delta - b.delta // ends before starts at the same instant
	})
	n, best := 0, 0
	for _, e := range edges {
		n += e.delta
		best = max(best, n)
	}
	return best
}

// origin decides whether a new goroutine belongs to the code under test,
// from the stack that created it (creator) and its own start stack, and
// names its function and start site.
func (b *builder) origin(creator, own trace.Stack) (mine bool, fn, file string, line int) {
	for f := range own.Frames() {
		fn = shortFunc(f.Func) // the outermost frame is the goroutine's function
	}
	for f := range creator.Frames() {
		if isStd(f.Func) {
			continue
		}
		if b.inPkg(f) && !strings.HasSuffix(f.File, "_test.go") {
			if own.Frames() != nil && isStdFunc(fn) {
				// Started through a helper (wg.Go, errgroup-like): name the
				// caller that handed it the work.
				fn = shortFunc(f.Func) + " (" + helperName(fn) + ")"
			}
			return true, fn, path.Base(f.File), int(f.Line)
		}
		break
	}
	for f := range own.Frames() {
		if b.inPkg(f) && !strings.HasSuffix(f.File, "_test.go") {
			return true, fn, "", 0
		}
	}
	for f := range creator.Frames() {
		if !isStd(f.Func) {
			return false, fn, path.Base(f.File), int(f.Line)
		}
	}
	return false, fn, "", 0
}

func (b *builder) inPkg(f trace.StackFrame) bool {
	return strings.HasPrefix(f.Func, b.pkg+".")
}

// isStd reports whether a function is in the standard library (its import
// path has no dot in its first element).
func isStd(fn string) bool {
	first, _, _ := strings.Cut(fn, "/")
	return !strings.Contains(first, ".") || strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "sync.")
}

// blocked names what a goroutine blocked on, from the tracer's reason and the
// stack at the block, and the learner's line there.
func (b *builder) blocked(reason string, stack trace.Stack) (string, string, int) {
	name := reasonName(reason)
	file, line := "", 0
	for f := range stack.Frames() {
		if p, ok := primitive(f.Func); ok && (name == "sync" || name == "") {
			name = p
		}
		if b.inPkg(f) && file == "" {
			file, line = path.Base(f.File), int(f.Line)
		}
	}
	if name == "sync" {
		name = "a sync primitive"
	}
	return name, file, line
}

// reasonName turns the tracer's blocking reason into the learner's words
// (select, sync, sleep and the rest keep the tracer's).
func reasonName(r string) string {
	if strings.HasPrefix(r, "sync.") {
		return "sync"
	}
	words := map[string]string{
		"chan receive": "channel receive",
		"chan send":    "channel send",
		"network":      "network I/O",
		"forever":      "nil channel or empty select (forever)",
	}
	if w, ok := words[r]; ok {
		return w
	}
	return r
}

// primitive names the sync primitive of a frame, the tracer saying only
// "sync" for all of them.
func primitive(fn string) (string, bool) {
	for _, p := range []struct{ frame, name string }{
		{"sync.(*Mutex).Lock", "Mutex.Lock"},
		{"sync.(*RWMutex).RLock", "RWMutex.RLock (read lock)"},
		{"sync.(*RWMutex).Lock", "RWMutex.Lock"},
		{"sync.(*WaitGroup).Wait", "WaitGroup.Wait"},
		{"sync.(*Cond).Wait", "Cond.Wait"},
		{"sync.(*Once).doSlow", "Once.Do"},
	} {
		if fn == p.frame {
			return p.name, true
		}
	}
	return "", false
}

// helperName is how a learner calls a goroutine-starting helper.
func helperName(short string) string {
	if strings.HasPrefix(short, "WaitGroup.Go") {
		return "wg.Go"
	}
	name, _, _ := strings.Cut(short, ".")
	return name
}

// isStdFunc reports whether a shortened function name belongs to the
// standard library's helpers that start goroutines for their caller.
func isStdFunc(short string) bool {
	return strings.HasPrefix(short, "WaitGroup.") || strings.HasPrefix(short, "goFunc") || strings.HasPrefix(short, "AfterFunc")
}

// shortFunc drops the import path: "example.com/k.Compare.func1" →
// "Compare.func1".
func shortFunc(fn string) string {
	if i := strings.LastIndex(fn, "/"); i >= 0 {
		fn = fn[i+1:]
	}
	if _, rest, ok := strings.Cut(fn, "."); ok {
		fn = rest
	}
	fn = strings.NewReplacer("(*", "", ")", "").Replace(fn)
	return strings.TrimSuffix(fn, ".func1")
}
