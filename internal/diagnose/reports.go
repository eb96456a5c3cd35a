package diagnose

import (
	"fmt"
	"path"
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
	leakEntryRE = regexp.MustCompile(`^\[?Goroutine (\d+) in state (.+?), with (\S+) on top of the stack:`)
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
	g := d.raceGoroutines(secs)
	accesses := d.raceAccesses(secs, g)
	f := Finding{Kind: KindRace, Test: b.test, Message: "data race: two goroutines access the same memory, at least one writes, and nothing orders them"}
	for _, a := range accesses {
		if a.at.File != "" {
			f.Location = a.at
			break
		}
	}
	if len(accesses) >= 2 {
		other := "in another goroutine"
		if a := accesses[1]; a.at.File != "" {
			other = fmt.Sprintf("at %s:%d, in another goroutine,", a.at.File, a.at.Line)
			o := a.at
			f.Other = &o
		}
		f.Message = fmt.Sprintf("data race: %s here and %s %s with nothing ordering them",
			article(accesses[0].what), article(strings.TrimPrefix(accesses[1].what, "previous ")), other)
	}
	var locs, starts []Location
	for _, a := range accesses {
		if c, ok := g.created[a.who]; ok && !strings.HasSuffix(c.File, "_test.go") {
			starts = append(starts, c)
		}
		line := a.what + " by " + a.who
		if a.at.File != "" {
			line += " at " + describe(a.at)
			locs = append(locs, a.at)
		}
		if a.note != "" {
			line += " (" + a.note + ")"
		}
		if c, ok := g.created[a.who]; ok {
			line += " (started at " + describe(c) + ")"
		}
		f.Details = append(f.Details, line)
	}
	withCauses(&f, d.raceCauses(locs, starts))
	d.add(f)
}

// raceAccess is one access of a race report.
type raceAccess struct {
	what, who string
	at        Location
	note      string // how the place was found, when not the access itself
}

// raceStarts is what a race report says of the goroutines in it, by name
// ("goroutine 28"): where each was started, and which the testing package
// started (a test's own goroutine).
type raceStarts struct {
	created   map[string]Location
	byTesting map[string]bool
}

// raceGoroutines reads the report's "Goroutine N created at:" sections.
func (d *Diagnoser) raceGoroutines(secs []section) raceStarts {
	g := raceStarts{created: map[string]Location{}, byTesting: map[string]bool{}}
	for _, s := range secs {
		if m := createdRE.FindStringSubmatch(s.header); m != nil {
			fs := d.frames(s.lines)
			if at, ok := d.loc.best(fs); ok {
				g.created["goroutine "+m[1]] = at
			}
			g.byTesting["goroutine "+m[1]] = len(fs) > 0 && strings.HasPrefix(fs[0].Func, "testing.")
		}
	}
	return g
}

// raceAccesses reads the report's access sections, each placed in the
// learner's code (or, failing that, where its goroutine was started).
func (d *Diagnoser) raceAccesses(secs []section, g raceStarts) []raceAccess {
	var accesses []raceAccess
	for _, s := range secs {
		m := accessRE.FindStringSubmatch(s.header)
		if m == nil {
			continue
		}
		frames := d.frames(s.lines)
		what := strings.ToLower(m[2])
		if m[1] != "" {
			what = "previous " + what
		}
		a := raceAccess{what: what, who: m[3]}
		at, ok := d.loc.best(frames)
		switch {
		case ok && len(frames) > 0 && d.loc.library(frames[0]):
			a.at, a.note = at, "inside "+shortFunc(frames[0].Func)+", called from your code here"
		case ok:
			a.at = at
		case g.created[a.who].File != "" && !g.byTesting[a.who]:
			a.at, a.note = g.created[a.who], "no frame of your code in this access's stack: shown where its goroutine was started"
		default:
			a.note = "no frame of your code in this access's stack"
			if g.byTesting[a.who] {
				a.note += "; it ran in the test's own goroutine"
			}
		}
		accesses = append(accesses, a)
	}
	// An access that ran in the test's own goroutine with no frame of
	// the test in its stack: the test started the other goroutine, so
	// that place is inside the test.
	for i, a := range accesses {
		if a.at.File != "" || !g.byTesting[a.who] {
			continue
		}
		for _, o := range accesses {
			if c := g.created[o.who]; o.who != a.who && c.File != "" && !g.byTesting[o.who] {
				accesses[i].at = c
				accesses[i].note += ": shown where the test started the other goroutine"
				break
			}
		}
	}
	return accesses
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
		g := d.leakEntry(b, state, s.lines)
		// Goroutines blocked at the same place, the same way, started
		// at the same place, are one finding: "12 goroutines were left ...".
		key := g.words + "|" + strings.Join(g.f.Details, "|") + "|" + describe(g.f.Location)
		if i, ok := index[key]; ok {
			groups[i].ids = append(groups[i].ids, m[1])
			continue
		}
		g.ids = []string{m[1]}
		index[key] = len(groups)
		groups = append(groups, g)
	}
	d.heldByBlocked(groups)
	for _, g := range groups {
		d.add(g.finding())
	}
	if httpConns+httpOther > 0 {
		d.add(d.openBody(b, httpConns))
	}
}

// leakEntry reads one goroutine of a goleak report, left in state with the
// stack in lines: where it is blocked, how, and where it was started.
func (d *Diagnoser) leakEntry(b *block, state string, lines []string) leakGroup {
	var stack, creator []frame
	for i, l := range lines {
		if t := strings.TrimSpace(l); strings.HasPrefix(t, "created by ") {
			stack = d.frames(lines[:i])
			creator = d.frames(lines[i:])
			break
		}
	}
	if creator == nil {
		stack = d.frames(lines)
	}
	var started Location
	if len(creator) > 0 {
		started = d.loc.loc(creator[0])
	}
	at, ok := d.loc.best(stack)
	switch {
	case ok:
	case len(creator) > 0 && !d.loc.library(creator[0]):
		at = started
	case b.where.File != "":
		at = b.where
	}
	words := blockedOn(state, stack)
	where := ""
	if at.Func != "" {
		where = " in " + at.Func
	}
	// Blocked inside the test's own fake, called from the learner's
	// code: the fake is waiting for the test, not a bug of its own.
	if fake, ok := firstUser(d, stack); ok && d.loc.test(fake) && at.File != "" && !strings.HasSuffix(at.File, "_test.go") {
		words = "waiting inside the test's " + shortFunc(fake.Func) + " (" + words + ")"
		where = ", called from " + at.Func
	}
	g := leakGroup{f: Finding{Kind: KindLeak, Test: b.test, Location: at}, words: words, where: where}
	for _, fr := range stack {
		if !d.loc.library(fr) {
			g.user = append(g.user, d.loc.loc(fr))
		}
	}
	if len(creator) > 0 {
		line := "started at " + describe(started)
		if strings.HasPrefix(started.File, "internal/katatest/") {
			line += ": the deadlock guard running the test's call"
		}
		g.f.Details = append(g.f.Details, line)
	}
	if path := userPath(d, stack); path != "" {
		g.f.Details = append(g.f.Details, "blocked at "+path)
	}
	created := Location{}
	if len(creator) > 0 && d.loc.learner(creator[0]) {
		created = started
	}
	withCauses(&g.f, d.leakCauses(evidence{state: state, at: at, created: created}))
	return g
}

// finding is the group's finding: one goroutine, or how many and which.
func (g leakGroup) finding() Finding {
	f := g.f
	if len(g.ids) == 1 {
		f.Message = "a goroutine was left " + g.words + g.where
		f.Details = append(f.Details, "goroutine "+g.ids[0])
		return f
	}
	f.Message = fmt.Sprintf("%d goroutines were left %s%s", len(g.ids), g.words, g.where)
	ids := g.ids
	if len(ids) > 8 {
		ids = append(ids[:8:8], "…")
	}
	f.Details = append(f.Details, "goroutines "+strings.Join(ids, ", "))
	return f
}

// openBody is the finding for net/http's goroutines left waiting for a
// response body to be closed; conns counts persistConn read loops.
func (d *Diagnoser) openBody(b *block, conns int) Finding {
	detail := fmt.Sprintf("%s still open (net/http's persistConn.readLoop/writeLoop goroutines are waiting for it)", Count(conns, "connection"))
	if conns == 0 {
		detail = "net/http goroutines that wait for a response body to be closed are still running"
	}
	f := Finding{Kind: KindLeak, Test: b.test, Location: b.where,
		Message: "a response body was never closed: the connection's read/write goroutines are still running",
		Details: []string{detail, "close resp.Body on every path (defer resp.Body.Close() right after the error check), even when you do not read it"}}
	if b.where.File != "" {
		withCauses(&f, d.leakCauses(evidence{body: path.Dir(b.where.File)}))
	}
	return f
}

// leakGroup is the goroutines of one goleak report left at one place.
type leakGroup struct {
	f            Finding
	words, where string
	ids          []string
	user         []Location // the stack's frames in the learner's (or test) code, innermost first
}

// heldByBlocked adds a cause to each group blocked waiting for a lock: the
// place where another leaked goroutine holds that lock while it is blocked
// itself (its frame is inside a Lock–Unlock region of the same mutex).
func (d *Diagnoser) heldByBlocked(groups []leakGroup) {
	for i := range groups {
		g := &groups[i]
		p := d.pkg(path.Dir(g.f.File))
		if p == nil || g.f.File == "" {
			continue
		}
		var cs []Cause
		for _, op := range p.OpsAt(g.f.File, g.f.Line) {
			if op.What != "lock" && op.What != "rlock" {
				continue
			}
			for j, h := range groups {
				if j == i && p.UnlockedBefore(g.f.File, g.f.Line, op.Key) {
					continue // it let go of the lock before taking it again
				}
				for k, u := range h.user {
					q := d.pkg(path.Dir(u.File))
					if q == nil {
						continue
					}
					for _, r := range q.RegionsAt(u.File, u.Line) {
						if r.Key != op.Key && !(j == i && k > 0 && sameLock(r.Key, op.Key)) || r.From == u.Line {
							continue
						}
						how := "locked"
						if r.Read {
							how = "read-locked"
						}
						text := op.Key + " is " + how + " (line " + strconv.Itoa(r.From) + ") by a goroutine that is itself " + h.words + " here: it never unlocks, so the goroutines waiting for " + op.Key + " wait for ever"
						switch {
						case j == i && k == 0:
							text = "this goroutine already holds " + op.Key + " (" + how + " at line " + strconv.Itoa(r.From) + ") and locks it again here: a sync mutex is not reentrant, so it waits for itself for ever"
						case j == i:
							text = "this goroutine already holds " + op.Key + " (" + how + " at line " + strconv.Itoa(r.From) + ") when this call leads back to locking it again: a sync mutex is not reentrant, so it waits for itself for ever"
						}
						cs = append(cs, Cause{File: u.File, Line: u.Line, Text: text})
					}
				}
			}
		}
		if len(cs) > 0 {
			withCauses(&g.f, dedupe(append(cs, g.f.Causes...)))
		}
	}
}

// sameLock reports two keys of what may be one mutex: one is written
// without its type ("mu", for it.mu on a local variable) and names the
// other's field ("Item.mu"). Used only within one goroutine's stack.
func sameLock(a, b string) bool {
	if a == b {
		return true
	}
	if strings.Contains(a, ".") == strings.Contains(b, ".") {
		return false
	}
	return strings.HasSuffix(a, "."+b) || strings.HasSuffix(b, "."+a)
}

// firstUser returns the innermost frame that is not library code.
func firstUser(d *Diagnoser, stack []frame) (frame, bool) {
	for _, f := range stack {
		if !d.loc.library(f) {
			return f, true
		}
	}
	return frame{}, false
}

// userPath writes the frames of a stack that are not library code, from the
// blocked one outwards: "a.go:12 in F ← a.go:30 in G". Runtime and
// standard-library frames are left out.
func userPath(d *Diagnoser, stack []frame) string {
	var parts []string
	for _, f := range stack {
		if !d.loc.library(f) {
			parts = append(parts, describe(d.loc.loc(f)))
		}
		if len(parts) == 4 {
			break
		}
	}
	if len(parts) < 2 {
		return ""
	}
	return strings.Join(parts, " ← ")
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

// Count says how many of something there are, in words: "1 finding",
// "2 findings". Every output of the runner counts with it.
func Count(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// blockedOn says in plain words what a goroutine is blocked on, from its
// state (as goleak or a traceback prints it) and, when the state is vague
// ("semacquire"), from the sync function on its stack.
func blockedOn(state string, stack []frame) string {
	state = strings.TrimSpace(strings.Split(state, ",")[0])
	state = strings.TrimSuffix(state, " (durable)")
	if words := primitiveWords(syncPrimitive(state, stack)); words != "" {
		return words
	}
	return stateWords(state)
}

// syncPrimitive names the sync primitive a goroutine waits in ("Mutex.Lock",
// "Once.Do", ...; "" for none), from the sync frames on top of its stack or
// else its state.
func syncPrimitive(state string, stack []frame) string {
	prim := ""
	for _, f := range stack {
		// Only the frames above the innermost frame of other code: a
		// sync call further out is not what the goroutine waits in.
		if !strings.HasPrefix(f.Func, "runtime.") && !strings.HasPrefix(f.Func, "sync.") && !strings.HasPrefix(f.Func, "internal/") {
			break
		}
		for _, w := range []struct{ fn, prim string }{
			{"sync.(*RWMutex).RLock", "RWMutex.RLock"},
			{"sync.(*RWMutex).Lock", "RWMutex.Lock"},
			{"sync.(*Mutex).Lock", "Mutex.Lock"},
			{"sync.(*Mutex).lockSlow", "Mutex.Lock"},
			{"sync.(*WaitGroup).Wait", "WaitGroup.Wait"},
			{"sync.(*Cond).Wait", "Cond.Wait"},
			{"sync.(*Once).doSlow", "Once.Do"},
			{"sync.(*Once).Do", "Once.Do"},
		} {
			if strings.HasPrefix(f.Func, w.fn) {
				prim = w.prim
				break
			}
		}
		if prim != "" && prim != "Mutex.Lock" {
			break // Once.Do waits in a Mutex.Lock: keep looking for it
		}
	}
	if prim == "Once.Do" {
		return prim // Once.Do waits on a mutex inside: the Once is the primitive
	}
	// The state names the primitive in a traceback ("sync.Mutex.Lock"):
	// RWMutex before Mutex, which its name contains.
	for _, p := range []string{"RWMutex.RLock", "RWMutex.Lock", "Mutex.Lock", "WaitGroup.Wait", "Cond.Wait"} {
		if strings.Contains(state, p) {
			return p
		}
	}
	return prim
}

// primitiveWords says what waiting in a sync primitive means ("" for none).
func primitiveWords(prim string) string {
	return map[string]string{
		"Once.Do":        "blocked in Once.Do (a Mutex.Lock inside it): the first call's function never returns, or calls Do on the same Once again",
		"RWMutex.RLock":  "blocked in RWMutex.RLock, waiting for a read lock: a writer holds the lock (or waits for it) and never lets go",
		"RWMutex.Lock":   "blocked in RWMutex.Lock, waiting for the write lock: readers or a writer hold it and never let go",
		"Mutex.Lock":     "blocked in Mutex.Lock on a mutex that is never unlocked",
		"WaitGroup.Wait": "blocked in WaitGroup.Wait: the counter never gets back to zero",
		"Cond.Wait":      "blocked in Cond.Wait: no Signal or Broadcast ever wakes it",
	}[prim]
}

// stateWords says what a goroutine's state (as goleak or a traceback
// prints it) means: the first state prefix it starts with, in order.
func stateWords(state string) string {
	if strings.Contains(state, "IO wait") {
		return "blocked on network I/O that never completes"
	}
	if state == "running" || state == "runnable" {
		return "still running (busy, perhaps in a loop that never ends)"
	}
	for _, w := range []struct{ prefix, words string }{
		{"chan send (nil chan)", "blocked for ever sending on a nil channel"},
		{"chan receive (nil chan)", "blocked for ever receiving from a nil channel"},
		{"chan send", "blocked sending on a channel: no receiver ever comes"},
		{"chan receive", "blocked receiving from a channel nobody sends on or closes"},
		{"select (no cases)", "blocked for ever in an empty select {}"},
		{"select", "blocked in a select with no case ready: none of its channels is ever ready"},
		{"sleep", "sleeping (time.Sleep)"},
		{"semacquire", "blocked on a lock or a WaitGroup that is never released"},
		{"sync", "blocked on a lock or a WaitGroup that is never released"},
		{"syscall", "in a system call"},
	} {
		if strings.HasPrefix(state, w.prefix) {
			return w.words
		}
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
			// The trace names a file of the test's package: the package
			// places it when the path was recorded elsewhere.
			f.Location = d.loc.loc(frame{Func: strings.TrimSuffix(b.pkg, "_test") + ".Test", File: m[1], Line: atoi(m[2])})
			f.Location.Func = ""
		}
	}
	errLines := fields["Error"]
	head, rest := "", []string(nil)
	if len(errLines) > 0 {
		head, rest = strings.TrimSpace(errLines[0]), errLines[1:]
	}
	// "Received unexpected error:" with the error on the next line: read
	// the block whole.
	for len(rest) > 0 && strings.HasSuffix(head, ":") && rest[0] != "" && !isExpectedActual(rest[0]) {
		head += " " + rest[0]
		rest = rest[1:]
	}
	f.Message = head
	var msg []string
	for _, l := range fields["Messages"] {
		if l != "" {
			msg = append(msg, l)
		}
	}
	if len(msg) > 0 {
		// testify's sentence ends in "." or ":"; the test's own words follow.
		f.Message = strings.TrimRight(f.Message, ".: ")
		if f.Message != "" {
			f.Message += ": "
		}
		f.Message += strings.Join(msg, " ")
	}
	if f.Message == "" {
		f.Message = "an assertion failed"
	}
	for _, l := range rest {
		if isExpectedActual(l) || strings.HasPrefix(l, "Error") {
			f.Details = append(f.Details, clip(l, 300))
		}
	}
	d.add(f)
}

// isExpectedActual reports testify's "expected: ..." and "actual  : ..." lines.
func isExpectedActual(l string) bool {
	return strings.HasPrefix(l, "expected") || strings.HasPrefix(l, "actual")
}

// goroutineRE matches a traceback's goroutine header:
// "goroutine 8 [chan receive (durable), synctest bubble 1]:".
var goroutineRE = regexp.MustCompile(`^goroutine (\d+) \[([^\]]*)\]:$`)

// goroutineDump is one goroutine of a traceback.
type goroutineDump struct {
	id, state string
	frames    []frame
	creator   []frame
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
				g.creator = d.frames(s.lines[i:])
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
	switch {
	case strings.HasPrefix(head, "panic: test timed out"):
		f.Kind = KindTimeout
		f.Message = "the tests did not finish in time (" + panicText(head) + "): an infinite loop, or a block no guard caught"
		stillRunning(&f, b.lines[1:])
		d.blocked(&f, gs)
	case strings.Contains(head, "main bubble goroutine has exited but blocked goroutines remain"):
		f.Kind = KindLeak
		f.Message = "goroutines were left blocked when the synctest bubble ended"
		d.blocked(&f, gs)
	case strings.Contains(head, "all goroutines in bubble are blocked"):
		f.Kind = KindDeadlock
		f.Message = "deadlock: every goroutine in the synctest bubble is blocked, nothing can ever proceed"
		d.blocked(&f, gs)
	case strings.Contains(head, "all goroutines are asleep - deadlock"):
		f.Kind = KindDeadlock
		f.Message = "deadlock: every goroutine is blocked, nothing can ever proceed"
		d.blocked(&f, gs)
	default:
		d.panicked(&f, head, gs)
	}
	d.add(f)
}

// stillRunning adds the tests a timeout dump lists under "running tests:"
// (the first one is the finding's test when it has none).
func stillRunning(f *Finding, lines []string) {
	inRunning := false
	for _, l := range lines {
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
}

// blocked adds the goroutines stopped in learner or test code, for the
// dumps that are about every goroutine rather than the panicking one.
// Goroutines stopped in the learner's code come first; the testing
// package's own goroutines (the panicking one, the alarm) only when
// nothing else points anywhere.
func (d *Diagnoser) blocked(f *Finding, gs []goroutineDump) {
	var cs []Cause
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
				ev := evidence{state: g.state, at: at}
				if len(g.creator) > 0 && d.loc.learner(g.creator[0]) {
					ev.created = d.loc.loc(g.creator[0])
				}
				cs = append(cs, d.leakCauses(ev)...)
				f.Details = append(f.Details, fmt.Sprintf("goroutine %s, %s, at %s", g.id, blockedOn(g.state, g.frames), describe(at)))
				break
			}
		}
		if f.Location.File != "" {
			withCauses(f, dedupe(cs))
			return
		}
	}
}

// panicked makes f the finding of a panic or fatal error whose first line
// is head, placed in the panicking goroutine's (the first's) learner code.
func (d *Diagnoser) panicked(f *Finding, head string, gs []goroutineDump) {
	f.Kind = KindPanic
	f.Message = "panic: " + panicText(head)
	if strings.HasPrefix(head, "fatal error: ") {
		f.Message = head
	}
	if strings.Contains(head, "unexpected call to os.Exit") {
		f.Message = "the code called os.Exit during a test (" + panicText(head) + "): return an error instead"
	}
	if len(gs) == 0 {
		return
	}
	var ok bool
	f.Location, ok = d.loc.best(gs[0].frames)
	if !ok {
		f.Location = Location{}
		return
	}
	var mine []Location
	for _, fr := range gs[0].frames {
		if !d.loc.library(fr) {
			f.Details = append(f.Details, "at "+describe(d.loc.loc(fr)))
			mine = append(mine, d.loc.loc(fr))
		}
	}
	withCauses(f, d.panicCauses(mine))
}

// atoi converts the digits a regular expression matched.
func atoi(s string) int {
	n, _ := strconv.Atoi(s)
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
