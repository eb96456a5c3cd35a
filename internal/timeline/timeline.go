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
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
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
	// Resolution is the finest detail kept (0: every transition). A long,
	// busy trace would need more intervals than MaxIntervals; then runs of
	// intervals shorter than Resolution are merged into one, which shows
	// the most telling of their states (running, runnable, syscall,
	// blocked) as Render does for a column.
	Resolution time.Duration `json:"resolution_ns,omitempty"`
	// running is how many lanes ran at each moment, for Render's "running
	// at once" row (merged at Resolution like the lanes; nil when the
	// Timeline did not come from Read, e.g. from JSON).
	running *series
}

// series is a count over time: steps[i].n holds from steps[i].at until
// the next step (the last until the end of the trace). Past the
// resolution, a run of short steps is merged into one holding their
// largest count.
type series struct {
	steps   []step
	merging bool
}

type step struct {
	at time.Duration
	n  int
}

// set records that the count is n from t on, at resolution q; it
// reports whether a step was added.
func (s *series) set(t time.Duration, n int, q int64) bool {
	k := len(s.steps)
	if k == 0 {
		s.steps = append(s.steps, step{t, n})
		return true
	}
	last := &s.steps[k-1]
	switch {
	case last.n == n:
		return false
	case last.at == t: // the last count lasted no time
		last.n = n
		if k > 1 && s.steps[k-2].n == n && !s.merging {
			s.steps = s.steps[:k-1]
		}
		return false
	case q > 0 && int64(t-last.at) < q && s.merging && k > 1:
		g := &s.steps[k-2]
		g.n = max(g.n, last.n)
		*last = step{t, n}
		s.merging = int64(t-g.at) < q
		return false
	}
	s.merging = q > 0 && int64(t-last.at) < q
	s.steps = append(s.steps, step{t, n})
	return true
}

// add counts one more over [from, to) in the past; it returns how many
// steps it added.
func (s *series) add(from, to time.Duration) int {
	if to <= from {
		return 0
	}
	added := s.split(from) + s.split(to)
	for i := range s.steps {
		if s.steps[i].at >= from && s.steps[i].at < to {
			s.steps[i].n++
		}
	}
	s.merging = false
	return added
}

// split makes a step start at t, returning 1 when it added one.
func (s *series) split(t time.Duration) int {
	i, found := slices.BinarySearchFunc(s.steps, t, func(st step, t time.Duration) int { return cmp.Compare(st.at, t) })
	if found {
		return 0
	}
	n := 0
	if i > 0 {
		n = s.steps[i-1].n
	}
	s.steps = slices.Insert(s.steps, i, step{t, n})
	return 1
}

// peak is the largest count held for some time before end.
func (s *series) peak(end time.Duration) int {
	most := 0
	for i, st := range s.steps {
		until := end
		if i+1 < len(s.steps) {
			until = s.steps[i+1].at
		}
		if until > st.at {
			most = max(most, st.n)
		}
	}
	return most
}

// MaxIntervals bounds the intervals a Timeline keeps, so that a trace of
// MaxBytes reads in bounded memory: past it, Read coarsens its Resolution.
const MaxIntervals = 200_000

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
	// spans are the closed intervals; merging: the last is a run of short
	// ones still shorter than the resolution, which the next short one
	// may join.
	spans   []span
	merging bool
}

// span is an Interval as a lane keeps it while the trace is read, in a
// third of the memory: its state, reason and file are a kind.
type span struct {
	start, end time.Duration
	line       int32
	kind       uint32 // index in builder.kinds
}

// kind is what a span shares with many others.
type kind struct {
	state        State
	reason, file string
}

// Read parses a trace. pkg is the import path of the code under test: a
// goroutine belongs to it when the first frame outside the standard
// library of the stack that created it is in one of pkg's non-test files,
// or when it runs a function of pkg.
//
// A trace over MaxBytes is refused with ErrTooLarge: at once when r is a
// file, or when the limit is reached. However busy the trace, the
// Timeline keeps at most about MaxIntervals intervals (see Resolution).
func Read(r io.Reader, pkg string) (*Timeline, error) {
	if f, ok := r.(interface{ Stat() (fs.FileInfo, error) }); ok {
		if info, err := f.Stat(); err == nil && info.Mode().IsRegular() && info.Size() > MaxBytes {
			return nil, ErrTooLarge
		}
	}
	lr := &io.LimitedReader{R: r, N: MaxBytes + 1}
	tr, err := trace.NewReader(lr)
	if err != nil {
		return nil, fmt.Errorf("read trace: %w", err)
	}
	b := builder{pkg: pkg, lanes: map[trace.GoID]*lane{}, budget: MaxIntervals, kindOf: map[kind]uint32{}}
	for {
		ev, err := tr.ReadEvent()
		if lr.N <= 0 {
			// Checked first: a trace cut at the limit may end in io.EOF.
			return nil, ErrTooLarge
		}
		if errors.Is(err, io.EOF) {
			break
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
	// quantum is the resolution (0: exact), count the intervals kept,
	// budget the most kept before the resolution is coarsened.
	quantum, budget int64
	count           int64
	// running and alive count the lanes of the code under test running
	// and existing now; runningSteps and aliveSteps are their history.
	running, alive           int
	runningSteps, aliveSteps series
	// kinds are the spans' kinds, each once.
	kinds  []kind
	kindOf map[kind]uint32
}

// kindIndex interns k.
func (b *builder) kindIndex(k kind) uint32 {
	i, ok := b.kindOf[k]
	if !ok {
		i = uint32(len(b.kinds))
		b.kinds = append(b.kinds, k)
		b.kindOf[k] = i
	}
	return i
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
	b.close(l, now, b.quantum)
	b.count1(l, -1)
	l.state, l.since, l.reason, l.file, l.line = stateOf(to), now, "", "", 0
	if to == trace.GoWaiting {
		l.reason, l.file, l.line = b.blocked(st.Reason, ev.Stack())
		if !l.mine {
			b.adopt(l, ev.Stack())
			if l.mine {
				b.adopted(l)
			}
		}
	}
	b.count1(l, +1)
	if b.runningSteps.set(now, b.running, b.quantum) {
		b.count++
	}
	if b.aliveSteps.set(now, b.alive, b.quantum) {
		b.count++
	}
	if b.count > b.budget {
		b.coarsen()
	}
}

// count1 adds (delta 1) or removes (-1) the lane's current state from the
// counts of lanes running and alive.
func (b *builder) count1(l *lane, delta int) {
	if !l.mine || l.state == "" {
		return
	}
	b.alive += delta
	if l.state == Running {
		b.running += delta
	}
}

// adopted counts the past of a lane just adopted in the history of lanes
// running and alive.
func (b *builder) adopted(l *lane) {
	sp := l.spans
	if len(sp) == 0 {
		return
	}
	for _, s := range sp {
		if b.kinds[s.kind].state == Running {
			b.count += int64(b.runningSteps.add(s.start, s.end))
		}
	}
	b.count += int64(b.aliveSteps.add(sp[0].start, sp[len(sp)-1].end))
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

// close ends the lane's current interval at now, merged into the last one
// when they are alike, or, at resolution q > 0, when both are shorter than q.
func (b *builder) close(l *lane, now time.Duration, q int64) {
	if l.state == "" || now < l.since {
		return
	}
	k := b.kindIndex(kind{l.state, l.reason, l.file})
	b.add(l, span{start: l.since, end: now, line: int32(l.line), kind: k}, q)
}

// add appends s to the lane's spans, merging as close says.
func (b *builder) add(l *lane, s span, q int64) {
	if n := len(l.spans); n > 0 {
		last := &l.spans[n-1]
		lk, sk := b.kinds[last.kind], b.kinds[s.kind]
		if last.end == s.start && lk.state == sk.state && lk.reason == sk.reason && last.line == s.line {
			last.end = s.end
			l.merging = l.merging && int64(last.end-last.start) < q
			return
		}
		if q > 0 && int64(s.end-s.start) < q && l.merging && last.end == s.start {
			if rank(sk.state) > rank(lk.state) {
				last.kind, last.line = s.kind, s.line
			}
			last.end = s.end
			l.merging = int64(last.end-last.start) < q
			return
		}
	}
	l.spans = append(l.spans, s)
	l.merging = q > 0 && int64(s.end-s.start) < q
	b.count++
}

// coarsen doubles the resolution until the intervals kept fit in half the
// budget, merging each lane's intervals again in place.
func (b *builder) coarsen() {
	for b.count > b.budget/2 {
		b.quantum = max(2*b.quantum, int64(time.Microsecond))
		b.count = 0
		for _, l := range b.lanes {
			old := l.spans
			l.spans, l.merging = old[:0], false
			for _, s := range old {
				b.add(l, s, b.quantum)
			}
			if cap(l.spans) > 2*len(l.spans)+4 {
				l.spans = slices.Clone(l.spans) // let the longer array go
			}
		}
		for _, s := range []*series{&b.runningSteps, &b.aliveSteps} {
			old := s.steps
			*s = series{}
			for _, st := range old {
				if s.set(st.at, st.n, b.quantum) {
					b.count++
				}
			}
		}
	}
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
	t := &Timeline{Schema: Schema, Duration: b.at(b.end), GOMAXPROCS: b.procs, Partial: b.partial,
		Resolution: time.Duration(b.quantum), MaxAtOnce: b.runningSteps.peak(b.at(b.end)), MaxAlive: b.aliveSteps.peak(b.at(b.end)),
		running: &b.runningSteps}
	for _, l := range b.lanes {
		if !l.mine {
			t.Others++
			continue
		}
		leaked := l.state == Blocked
		b.close(l, t.Duration, 0) // exact: a leaked lane's last interval names its block
		l.g.Leaked = leaked
		l.g.Intervals = make([]Interval, len(l.spans))
		for i, s := range l.spans {
			k := b.kinds[s.kind]
			l.g.Intervals[i] = Interval{Start: s.start, End: s.end, State: k.state, Reason: k.reason, File: k.file, Line: int(s.line)}
		}
		l.spans = nil
		t.Goroutines = append(t.Goroutines, l.g)
	}
	slices.SortFunc(t.Goroutines, func(a, b Goroutine) int {
		return cmpStart(a, b)
	})
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

// origin decides whether a new goroutine belongs to the code under test,
// from the stack that created it (creator) and its own start stack, and
// names its function and start site.
func (b *builder) origin(creator, own trace.Stack) (mine bool, fn, file string, line int) {
	outer := ""
	for f := range own.Frames() {
		outer = f.Func // the outermost frame is the goroutine's function
	}
	fn = shortFunc(outer)
	if strings.HasPrefix(outer, "runtime.") || strings.HasPrefix(outer, "runtime/") {
		// The runtime's own (a GC worker, the tracer's reader), even when
		// the code under test happened to be what started it.
		return false, fn, "", 0
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
	fn = strings.ReplaceAll(strings.ReplaceAll(fn, "(*", ""), ")", "")
	return strings.TrimSuffix(fn, ".func1")
}
