package diagnose

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

var (
	// accessRE matches a race report's access header:
	// "Write at 0x00c0000941c0 by goroutine 28:" / "Previous read at ... by main goroutine:".
	accessRE = regexp.MustCompile(`^(Previous )?(read|write|Read|Write)(?: of size \d+)? at 0x[0-9a-f]+ by (goroutine \d+|main goroutine):$`)
	// createdRE matches "Goroutine 28 (running) created at:".
	createdRE = regexp.MustCompile(`^Goroutine (\d+) \((\w+)\) created at:$`)
	// leakEntryRE matches goleak's "[Goroutine 8 in state chan send, with pkg.fn on top of the stack:".
	leakEntryRE = regexp.MustCompile(`^\[?Goroutine (\d+) in state ([^,]+), with (\S+) on top of the stack:`)
)

// section is a header line and the lines under it.
type section struct {
	header string
	lines  []string
}

func sections(lines []string, isHeader func(string) bool) []section {
	var out []section
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if isHeader(t) {
			out = append(out, section{header: t})
			continue
		}
		if len(out) > 0 {
			out[len(out)-1].lines = append(out[len(out)-1].lines, l)
		}
	}
	return out
}

// closeRace turns an open race report into a finding.
func (d *Diagnoser) closeRace() {
	b := d.race
	d.race = nil
	if b == nil {
		return
	}
	secs := sections(b.lines, func(t string) bool { return accessRE.MatchString(t) || createdRE.MatchString(t) })
	type access struct {
		what, who string
		at        Location
		ok        bool
	}
	var accesses []access
	created := map[string]Location{}
	for _, s := range secs {
		frames := d.frames(s.lines)
		if m := accessRE.FindStringSubmatch(s.header); m != nil {
			what := strings.ToLower(m[2])
			if m[1] != "" {
				what = "previous " + what
			}
			at, ok := d.loc.best(frames)
			accesses = append(accesses, access{what: what, who: m[3], at: at, ok: ok})
		} else if m := createdRE.FindStringSubmatch(s.header); m != nil {
			if at, ok := d.loc.best(frames); ok {
				created["goroutine "+m[1]] = at
			}
		}
	}
	f := Finding{Kind: KindRace, Test: b.test, Message: "data race: two goroutines access the same memory, at least one writes, and nothing orders them"}
	if len(accesses) > 0 {
		f.Location = accesses[0].at
	}
	if len(accesses) >= 2 {
		f.Message = fmt.Sprintf("data race: %s here and %s at %s:%d, in another goroutine, with nothing ordering them",
			article(accesses[0].what), article(strings.TrimPrefix(accesses[1].what, "previous ")), accesses[1].at.File, accesses[1].at.Line)
	}
	for _, a := range accesses {
		line := fmt.Sprintf("%s by %s at %s", a.what, a.who, describe(a.at))
		if c, ok := created[a.who]; ok {
			line += fmt.Sprintf(" (started at %s)", describe(c))
		}
		f.Details = append(f.Details, line)
	}
	d.add(f)
}

// article puts "a" before an access kind: "a read", "a write".
func article(what string) string { return "a " + what }

// closeLeak turns an open goleak report into one finding per distinct leak.
func (d *Diagnoser) closeLeak() {
	b := d.leak
	d.leak = nil
	if b == nil {
		return
	}
	secs := sections(b.lines, func(t string) bool { return leakEntryRE.MatchString(t) })
	if len(secs) == 0 {
		d.add(Finding{Kind: KindLeak, Test: b.test, Message: "goroutines were left running after the test", Location: b.where})
		return
	}
	httpConns, httpOther := 0, 0
	var groups []leakGroup
	index := map[string]int{}
	for _, s := range secs {
		m := leakEntryRE.FindStringSubmatch(s.header)
		state, top := m[2], m[3]
		if strings.HasPrefix(top, "net/http.") && d.allLibrary(s.lines) {
			// The client's machinery for a response whose body is still
			// open: persistConn's readLoop/writeLoop, and with a timeout or
			// a context setRequestCancel/awaitLegacyCancel.
			if strings.Contains(top, "persistConn).readLoop") {
				httpConns++
			} else {
				httpOther++
			}
			continue
		}
		var stack, creator []frame
		createdBy := ""
		for i, l := range s.lines {
			if t := strings.TrimSpace(l); strings.HasPrefix(t, "created by ") {
				stack = d.frames(s.lines[:i])
				creator = d.frames(s.lines[i:])
				createdBy = t
				break
			}
		}
		if createdBy == "" {
			stack = d.frames(s.lines)
		}
		at, ok := d.loc.best(stack)
		if !ok && b.where.File != "" {
			at = b.where
		}
		where := ""
		if at.Func != "" {
			where = " in " + at.Func
		}
		words := stateWords(state)
		g := leakGroup{f: Finding{Kind: KindLeak, Test: b.test, Location: at,
			Message: fmt.Sprintf("a goroutine was left %s%s", words, where)}, words: words, where: where}
		if len(creator) > 0 {
			c := d.loc.loc(creator[0])
			line := "started at " + c.File + ":" + strconv.Itoa(c.Line) + " by " + c.Func
			if _, in, ok := strings.Cut(createdBy, " in goroutine "); ok {
				line += " (in goroutine " + in + ")"
			}
			if strings.HasPrefix(c.File, "internal/katatest/") {
				line += ": the deadlock guard running the test's call"
			}
			g.f.Details = append(g.f.Details, line)
		}
		g.last = "in state " + state + ", " + shortFunc(top) + " on top of its stack"
		// Goroutines left at the same place, started at the same place,
		// are one finding: "12 goroutines were left ...".
		key := describe(at) + "|" + state + "|" + strings.Join(g.f.Details, "|")
		if i, ok := index[key]; ok {
			groups[i].ids = append(groups[i].ids, m[1])
			continue
		}
		g.ids = []string{m[1]}
		index[key] = len(groups)
		groups = append(groups, g)
	}
	for _, g := range groups {
		f := g.f
		if len(g.ids) == 1 {
			f.Details = append(f.Details, "goroutine "+g.ids[0]+" "+g.last)
		} else {
			f.Message = fmt.Sprintf("%d goroutines were left %s%s", len(g.ids), g.words, g.where)
			f.Details = append(f.Details, "goroutines "+strings.Join(g.ids, ", ")+" "+g.last)
		}
		d.add(f)
	}
	if httpConns+httpOther > 0 {
		detail := fmt.Sprintf("%s still open (net/http's persistConn.readLoop/writeLoop goroutines are waiting for it)", plural(httpConns, "connection"))
		if httpConns == 0 {
			detail = "net/http goroutines that wait for a response body to be closed are still running"
		}
		d.add(Finding{Kind: KindLeak, Test: b.test, Location: b.where,
			Message: "a response body was never closed: the connection's read/write goroutines are still running",
			Details: []string{detail, "close resp.Body on every path (defer resp.Body.Close() right after the error check), even when you do not read it"}})
	}
}

// leakGroup is the goroutines of one goleak report left at one place.
type leakGroup struct {
	f            Finding
	words, where string
	last         string // state and top of stack
	ids          []string
}

// allLibrary reports whether every frame of a stack is library code.
func (d *Diagnoser) allLibrary(lines []string) bool {
	for _, f := range d.frames(lines) {
		if !d.loc.library(f) {
			return false
		}
	}
	return true
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// stateWords explains a goroutine state (as goleak prints it) in plain words.
func stateWords(state string) string {
	switch {
	case strings.HasPrefix(state, "chan send (nil chan)"):
		return "blocked for ever sending on a nil channel"
	case strings.HasPrefix(state, "chan receive (nil chan)"):
		return "blocked for ever receiving from a nil channel"
	case strings.HasPrefix(state, "chan send"):
		return "blocked sending on a channel nobody receives from"
	case strings.HasPrefix(state, "chan receive"):
		return "blocked receiving from a channel nobody sends on or closes"
	case strings.HasPrefix(state, "select"):
		return "blocked in a select none of whose cases can proceed"
	case strings.Contains(state, "WaitGroup.Wait"):
		return "blocked in WaitGroup.Wait for a Done that never comes"
	case strings.Contains(state, "RWMutex.RLock"), strings.Contains(state, "RWMutex.Lock"), strings.Contains(state, "Mutex.Lock"):
		return "blocked waiting for a lock that is never unlocked"
	case strings.Contains(state, "Cond.Wait"):
		return "blocked in Cond.Wait for a signal that never comes"
	case strings.Contains(state, "IO wait"):
		return "blocked waiting on the network"
	case strings.HasPrefix(state, "sleep"):
		return "sleeping"
	case strings.HasPrefix(state, "semacquire"), strings.HasPrefix(state, "sync"):
		return "blocked waiting on a lock or WaitGroup"
	case state == "running", state == "runnable":
		return "still running (busy, perhaps in a loop that never ends)"
	case strings.HasPrefix(state, "syscall"):
		return "in a system call"
	}
	return "in state " + state
}

// closeTestify turns an open testify block into an assertion finding.
func (d *Diagnoser) closeTestify() {
	b := d.testify
	d.testify = nil
	if b == nil {
		return
	}
	fields := map[string][]string{}
	key := ""
	for _, l := range b.lines {
		t := strings.TrimLeft(l, " \t")
		if k, v, ok := strings.Cut(t, ":"); ok && (k == "Error Trace" || k == "Error" || k == "Test" || k == "Messages") {
			key = k
			fields[key] = append(fields[key], strings.TrimSpace(v))
			continue
		}
		if key != "" {
			fields[key] = append(fields[key], strings.TrimSpace(t))
		}
	}
	f := Finding{Kind: KindAssertion, Test: b.test}
	if tr := fields["Error Trace"]; len(tr) > 0 {
		if m := fileLineRE.FindStringSubmatch(tr[0]); m != nil {
			f.Location = d.loc.loc(frame{File: m[1], Line: atoi(m[2])})
		}
	}
	errLines := fields["Error"]
	if len(errLines) > 0 {
		f.Message = strings.TrimSpace(errLines[0])
	}
	if msg := fields["Messages"]; len(msg) > 0 && msg[0] != "" {
		f.Message = strings.TrimSuffix(f.Message, ":") + ": " + msg[0]
	}
	if f.Message == "" {
		f.Message = "an assertion failed"
	}
	for _, l := range errLines[min(1, len(errLines)):] {
		if strings.HasPrefix(l, "expected") || strings.HasPrefix(l, "actual") || strings.HasPrefix(l, "Error") {
			f.Details = append(f.Details, clip(l, 300))
		}
	}
	d.add(f)
}

// goroutineRE matches a traceback's goroutine header:
// "goroutine 8 [chan receive (durable), synctest bubble 1]:".
var goroutineRE = regexp.MustCompile(`^goroutine (\d+) \[([^\]]*)\]:$`)

// goroutineDump is one goroutine of a traceback.
type goroutineDump struct {
	id, state string
	frames    []frame
}

// goroutines splits a traceback into its goroutines.
func (d *Diagnoser) goroutines(lines []string) []goroutineDump {
	var out []goroutineDump
	for _, s := range sections(lines, goroutineRE.MatchString) {
		m := goroutineRE.FindStringSubmatch(s.header)
		g := goroutineDump{id: m[1], state: m[2]}
		// Stop before "created by": it says where, not what runs.
		for i, l := range s.lines {
			if strings.HasPrefix(strings.TrimSpace(l), "created by ") {
				s.lines = s.lines[:i]
				break
			}
		}
		g.frames = d.frames(s.lines)
		out = append(out, g)
	}
	return out
}

// panicText is a panic's value without the "panic: " prefix and the testing
// package's "[recovered, repanicked]" suffix.
func panicText(head string) string {
	head = strings.TrimPrefix(head, "panic: ")
	for _, suffix := range []string{" [recovered, repanicked]", " [recovered]"} {
		head = strings.TrimSuffix(head, suffix)
	}
	return head
}

// closeDump turns a panic, fatal error or timeout dump into a finding.
func (d *Diagnoser) closeDump() {
	b := d.dump
	d.dump = nil
	if b == nil || len(b.lines) == 0 {
		return
	}
	head := b.lines[0]
	gs := d.goroutines(b.lines)
	f := Finding{Test: b.test}
	// blocked lists the goroutines stopped in learner or test code, for the
	// dumps that are about every goroutine rather than the panicking one.
	blocked := func() {
		// Goroutines stopped in the learner's code come first; the
		// testing package's own goroutines (the panicking one, the alarm)
		// only when nothing else points anywhere.
		for _, pick := range []func(frame) bool{d.loc.learner, d.loc.test} {
			for _, g := range gs {
				for _, fr := range g.frames {
					if !pick(fr) {
						continue
					}
					at := d.loc.loc(fr)
					if f.Location.File == "" {
						f.Location = at
					}
					f.Details = append(f.Details, fmt.Sprintf("goroutine %s [%s] at %s", g.id, g.state, describe(at)))
					break
				}
			}
			if f.Location.File != "" {
				return
			}
		}
	}
	switch {
	case strings.HasPrefix(head, "panic: test timed out"):
		f.Kind = KindTimeout
		f.Message = "the tests did not finish in time (" + panicText(head) + "): an infinite loop, or a block no guard caught"
		inRunning := false
		for _, l := range b.lines[1:] {
			t := strings.TrimSpace(l)
			if t == "running tests:" {
				inRunning = true
				continue
			}
			if inRunning {
				if t == "" || goroutineRE.MatchString(t) {
					break
				}
				f.Details = append(f.Details, "still running: "+t)
				if f.Test == "" {
					f.Test, _, _ = strings.Cut(t, " ")
				}
			}
		}
		blocked()
	case strings.Contains(head, "main bubble goroutine has exited but blocked goroutines remain"):
		f.Kind = KindLeak
		f.Message = "goroutines were left blocked when the synctest bubble ended"
		blocked()
	case strings.Contains(head, "all goroutines in bubble are blocked"):
		f.Kind = KindDeadlock
		f.Message = "deadlock: every goroutine in the synctest bubble is blocked, nothing can ever proceed"
		blocked()
	case strings.Contains(head, "all goroutines are asleep - deadlock"):
		f.Kind = KindDeadlock
		f.Message = "deadlock: every goroutine is blocked, nothing can ever proceed"
		blocked()
	default:
		f.Kind = KindPanic
		f.Message = "panic: " + panicText(head)
		if strings.HasPrefix(head, "fatal error: ") {
			f.Message = head
		}
		if strings.Contains(head, "unexpected call to os.Exit") {
			f.Message = "the code called os.Exit during a test (" + panicText(head) + "): return an error instead"
		}
		if len(gs) > 0 {
			var ok bool
			f.Location, ok = d.loc.best(gs[0].frames)
			if ok {
				for _, fr := range gs[0].frames {
					if !d.loc.library(fr) {
						f.Details = append(f.Details, "at "+describe(d.loc.loc(fr)))
					}
				}
			}
		}
	}
	d.add(f)
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// clip cuts s to at most n bytes (at a rune boundary) and marks the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// vetRE matches a go vet diagnostic: "katas/x/a.go:12:3: message".
var vetRE = regexp.MustCompile(`^(?:vet: )?(\S+\.go):(\d+):(\d+): (.+)$`)

// ParseVet turns `go vet` output into KindVet findings (KindBuild for a
// compile error vet reports).
func ParseVet(output []byte, opts Options) []Finding {
	loc := newLocator(opts)
	var out []Finding
	for line := range strings.Lines(string(output)) {
		m := vetRE.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		file := strings.TrimPrefix(m[1], "./")
		kind := KindVet
		if strings.Contains(m[4], "undefined:") || strings.Contains(m[4], "syntax error") || strings.Contains(m[4], "declared and not used") {
			kind = KindBuild
		}
		out = append(out, Finding{Kind: kind, Message: m[4],
			Location: Location{File: loc.rel(file), Line: atoi(m[2]), Col: atoi(m[3])}})
	}
	return out
}
