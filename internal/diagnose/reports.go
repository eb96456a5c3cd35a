package diagnose

import (
	"fmt"
	"regexp"
	"strings"
)

var (
	// accessRE matches a race report's access header:
	// "Write at 0x00c0000941c0 by goroutine 28:" / "Previous read at ... by main goroutine:".
	accessRE = regexp.MustCompile(`^(Previous )?(read|write|Read|Write)(?: of size \d+)? at 0x[0-9a-f]+ by (goroutine \d+|main goroutine):$`)
	// createdRE matches "Goroutine 28 (running) created at:".
	createdRE = regexp.MustCompile(`^Goroutine (\d+) \((\w+)\) created at:$`)
	// leakEntryRE matches goleak's "[Goroutine 8 in state chan send, with pkg.fn on top of the stack:".
	leakEntryRE = regexp.MustCompile(`^\[Goroutine (\d+) in state ([^,]+), with (\S+) on top of the stack:`)
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
		frames := parseFrames(s.lines)
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
		f.Message = fmt.Sprintf("data race: %s at %s:%d conflicts with the %s at %s:%d, and nothing orders them",
			accesses[0].what, accesses[0].at.File, accesses[0].at.Line, accesses[1].what, accesses[1].at.File, accesses[1].at.Line)
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
	httpConns := 0
	for _, s := range secs {
		m := leakEntryRE.FindStringSubmatch(s.header)
		state, top := m[2], m[3]
		if strings.Contains(top, "persistConn") || strings.Contains(strings.Join(s.lines, "\n"), "net/http.(*persistConn)") {
			httpConns++
			continue
		}
		frames := parseFrames(s.lines)
		var stack, creator []frame
		for i, l := range s.lines {
			if strings.HasPrefix(strings.TrimSpace(l), "created by ") {
				creator = parseFrames(s.lines[i:])
				break
			}
		}
		stack = frames
		if len(creator) > 0 && len(stack) >= len(creator) {
			stack = stack[:len(stack)-len(creator)]
		}
		at, ok := d.loc.best(stack)
		if !ok {
			at = b.where
		}
		f := Finding{Kind: KindLeak, Test: b.test, Location: at,
			Message: fmt.Sprintf("a goroutine is still running after the test (%s) at %s:%d", stateWords(state), at.File, at.Line)}
		if c, ok := d.loc.best(creator); ok {
			f.Details = append(f.Details, "it was started at "+describe(c))
		}
		f.Details = append(f.Details, "state "+state+", top of stack "+top)
		d.add(f)
	}
	if httpConns > 0 {
		d.add(Finding{Kind: KindLeak, Test: b.test, Location: b.where,
			Message: "a response body was never closed: the connection's read/write goroutines are still running",
			Details: []string{fmt.Sprintf("%d net/http connection goroutine(s) (persistConn.readLoop/writeLoop) leaked; close every resp.Body on every path", httpConns)}})
	}
}

// stateWords explains a goroutine state in plain words.
func stateWords(state string) string {
	switch {
	case strings.HasPrefix(state, "chan send"):
		return "sending on a channel nobody receives from"
	case strings.HasPrefix(state, "chan receive"):
		return "receiving from a channel nobody sends on or closes"
	case strings.HasPrefix(state, "select"):
		return "in a select no case of which can proceed"
	case strings.Contains(state, "WaitGroup.Wait"):
		return "waiting in WaitGroup.Wait for a Done that never comes"
	case strings.Contains(state, "Mutex.Lock"), strings.Contains(state, "RWMutex"):
		return "waiting for a lock that is never unlocked"
	case strings.Contains(state, "IO wait"):
		return "waiting on the network"
	case state == "runnable" || state == "running":
		return "not blocked but still busy: a loop that never ends"
	case strings.HasPrefix(state, "sleep"):
		return "sleeping"
	case strings.HasPrefix(state, "semacquire"), strings.HasPrefix(state, "sync"):
		return "waiting on a lock or WaitGroup"
	}
	return state
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

// closeDump turns a panic, fatal error or timeout dump into a finding.
func (d *Diagnoser) closeDump() {
	b := d.dump
	d.dump = nil
	if b == nil || len(b.lines) == 0 {
		return
	}
	head := b.lines[0]
	frames := parseFrames(b.lines)
	at, _ := d.loc.best(frames)
	f := Finding{Test: b.test, Location: at}
	switch {
	case strings.HasPrefix(head, "panic: test timed out"):
		f.Kind = KindTimeout
		f.Message = "the tests did not finish in time (" + strings.TrimPrefix(head, "panic: ") + "): an infinite loop, or a block no guard caught"
		inRunning := false
		for _, l := range b.lines[1:] {
			t := strings.TrimSpace(l)
			if t == "running tests:" {
				inRunning = true
				continue
			}
			if inRunning {
				if t == "" {
					break
				}
				f.Details = append(f.Details, "still running: "+t)
			}
		}
		if at.File != "" {
			f.Details = append(f.Details, "busy or blocked at "+describe(at))
		}
	case strings.Contains(head, "main bubble goroutine has exited but blocked goroutines remain"):
		f.Kind = KindLeak
		f.Message = "goroutines were left blocked when the synctest bubble ended"
	case strings.Contains(head, "all goroutines in bubble are blocked"), strings.Contains(head, "all goroutines are asleep - deadlock"):
		f.Kind = KindDeadlock
		f.Message = "deadlock: every goroutine is blocked, nothing can ever proceed"
	case strings.Contains(head, "unexpected call to os.Exit"):
		f.Kind = KindPanic
		f.Message = "the code called os.Exit during a test: " + strings.TrimPrefix(head, "panic: ")
	default:
		f.Kind = KindPanic
		f.Message = head
	}
	if f.Location.File != "" && f.Kind != KindTimeout {
		f.Details = append(f.Details, "at "+describe(f.Location))
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

func clip(s string, n int) string {
	if len(s) <= n {
		return s
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
