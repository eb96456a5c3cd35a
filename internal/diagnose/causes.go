package diagnose

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gokatas/concurrency/internal/cause"
)

// Cause is a line of the learner's code that explains a finding, found by
// reading the code (package cause): the finding's evidence is the symptom,
// the cause is where to change the code.
type Cause struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Text string `json:"text"`
}

// String writes a cause as "file:line — why".
func (c Cause) String() string { return c.File + ":" + strconv.Itoa(c.Line) + " — " + c.Text }

// NamesCause reports whether a finding names file:line as a cause, or is
// itself at that line (for a race: either access): what `kata verify`
// checks against the causes a kata declares.
func NamesCause(findings []Finding, file string, line int) bool {
	for _, f := range findings {
		if f.File == file && f.Line == line || f.Other != nil && f.Other.File == file && f.Other.Line == line {
			return true
		}
		for _, c := range f.Causes {
			if c.File == file && c.Line == line {
				return true
			}
		}
	}
	return false
}

// sources returns where the learner's code is read from, best first:
// Options.Source alone when set; else the checkout the stream was recorded
// in when it is on this machine (the code that ran), then Root.
func (d *Diagnoser) sources() []fs.FS {
	if d.opts.Source != nil {
		return []fs.FS{d.opts.Source}
	}
	var roots []string
	if d.loc.seen != "" {
		roots = append(roots, d.loc.seen)
	}
	var recorded []string
	for r := range d.loc.roots {
		recorded = append(recorded, r)
	}
	slices.Sort(recorded)
	roots = append(roots, recorded...)
	if d.loc.root != "" {
		roots = append(roots, d.loc.root)
	}
	var out []fs.FS
	seen := map[string]bool{}
	for _, r := range roots {
		if seen[r] {
			continue
		}
		seen[r] = true
		if st, err := os.Stat(filepath.FromSlash(r)); err == nil && st.IsDir() {
			out = append(out, os.DirFS(filepath.FromSlash(r)))
		}
	}
	return out
}

// pkg returns the analysis of the package in dir (module-relative), nil
// when it cannot be read.
func (d *Diagnoser) pkg(dir string) *cause.Package {
	if dir == "" || dir == "." || path.IsAbs(dir) {
		return nil
	}
	if p, ok := d.pkgs[dir]; ok {
		return p
	}
	var p *cause.Package
	for _, src := range d.sources() {
		if q, err := cause.Load(src, dir); err == nil {
			p = q
			break
		}
	}
	d.pkgs[dir] = p
	return p
}

// evidence is what a dynamic finding says about where the program was.
type evidence struct {
	state   string   // goleak's or the traceback's state: "chan send", "sync.Mutex.Lock"
	at      Location // the learner's frame the goroutine is stopped at
	created Location // where it was started, when that is the learner's code
	body    string   // package folder of a test that left a response body open
}

// leakCauses finds the causes of goroutines left blocked.
func (d *Diagnoser) leakCauses(ev evidence) []Cause {
	var out []Cause
	if ev.body != "" {
		if p := d.pkg(ev.body); p != nil {
			out = appendSites(out, p.Sites, func(s cause.Site) bool { return s.Kind == cause.BodyUnclosed })
		}
		return out
	}
	var perItem []string // channels a goroutine is blocked sending on
	if p := d.pkg(path.Dir(ev.at.File)); p != nil && ev.at.File != "" {
		for _, op := range p.OpsAt(ev.at.File, ev.at.Line) {
			var kinds []cause.Kind
			switch op.What {
			case "lock", "rlock":
				kinds = []cause.Kind{cause.LockReturn, cause.LockPanic}
				for _, r := range p.Regions {
					if r.Key == op.Key && !r.Deferred {
						for l := range d.panics[r.File] {
							if r.From < l && l <= r.To {
								out = append(out, Cause{File: r.File, Line: l,
									Text: "panicked here with " + op.Key + " locked (Lock at line " + strconv.Itoa(r.From) + ", Unlock not deferred): " + op.Key + " stays locked for good"})
							}
						}
					}
				}
			case "wait":
				kinds = []cause.Kind{cause.DoneSkipped, cause.AddInGoroutine, cause.AddNoDone, cause.WaitInIf, cause.SignalOne}
			case "send":
				kinds = []cause.Kind{cause.ReceiverGone}
				perItem = append(perItem, op.Key)
			case "range":
				if !strings.HasPrefix(ev.state, "chan receive") {
					continue
				}
				kinds = []cause.Kind{cause.RangeNoClose}
			default:
				continue
			}
			out = appendSites(out, p.Sites, func(s cause.Site) bool { return s.Key == op.Key && slices.Contains(kinds, s.Kind) })
		}
	}
	if c := ev.created; c.File != "" {
		if p := d.pkg(path.Dir(c.File)); p != nil {
			fn := p.FuncAt(c.File, c.Line)
			out = appendSites(out, p.Sites, func(s cause.Site) bool {
				return s.Kind == cause.ReturnLeaves && s.Func == fn && fn != "" ||
					(s.Kind == cause.GoNoStop || s.Kind == cause.HandlerGoNoOwner || s.Kind == cause.RequestContextGo) && s.File == c.File && s.Line == c.Line
			})
		}
	} else if a := ev.at; a.File != "" {
		// Started by a library (errgroup's Go): the function the goroutine
		// runs in is the one that had to wait for it.
		if p := d.pkg(path.Dir(a.File)); p != nil {
			fn := p.FuncAt(a.File, a.Line)
			out = appendSites(out, p.Sites, func(s cause.Site) bool { return s.Kind == cause.WaitSkipped && s.Func == fn && fn != "" })
		}
	}
	// Blocked acquiring a semaphore: why there are so many to block.
	if p := d.pkg(path.Dir(ev.at.File)); p != nil && len(perItem) > 0 {
		out = appendSites(out, p.Sites, func(s cause.Site) bool { return s.Kind == cause.GoPerItem && slices.Contains(perItem, s.Key) })
	}
	return dedupe(out)
}

// raceCauses finds the causes of a race between two accesses, whose
// goroutines were started at starts (the learner's frames only).
func (d *Diagnoser) raceCauses(accesses, starts []Location) []Cause {
	var out []Cause
	// A goroutine started by a function that does not wait for it
	// properly: it counts it from inside, or returns on cancellation.
	for _, st := range starts {
		p := d.pkg(path.Dir(st.File))
		if p == nil || st.File == "" {
			continue
		}
		fn := p.FuncAt(st.File, st.Line)
		// Only when the other access is in that function itself, after
		// its goroutines should have been waited for.
		inFn := false
		for _, a := range accesses {
			inFn = inFn || fn != "" && strings.HasSuffix(a.Func, "."+fn)
		}
		if !inFn {
			continue
		}
		out = appendSites(out, p.Sites, func(s cause.Site) bool {
			return fn != "" && s.Func == fn && (s.Kind == cause.AddInGoroutine || s.Kind == cause.ReturnLeaves)
		})
	}
	for _, a := range accesses {
		p := d.pkg(path.Dir(a.File))
		if p == nil || a.File == "" {
			continue
		}
		// A WaitGroup counted from inside its goroutines.
		for _, op := range p.OpsAt(a.File, a.Line) {
			if op.What == "wait" || op.What == "add" {
				out = appendSites(out, p.Sites, func(s cause.Site) bool { return s.Kind == cause.AddInGoroutine && s.Key == op.Key })
			}
		}
	}
	// One access under a lock, the other outside every region of that lock.
	if len(accesses) == 2 {
		for i, a := range accesses {
			o := accesses[1-i]
			p := d.pkg(path.Dir(a.File))
			if p == nil || o.File == "" || path.Dir(o.File) != path.Dir(a.File) {
				continue
			}
			for _, r := range p.RegionsAt(a.File, a.Line) {
				guarded := false
				for _, r2 := range p.RegionsAt(o.File, o.Line) {
					guarded = guarded || r2.Key == r.Key
				}
				if !guarded {
					out = append(out, Cause{File: o.File, Line: o.Line,
						Text: "accesses it without holding " + r.Key + ", which the other access holds (Lock at " + r.File + ":" + strconv.Itoa(r.From) + ")"})
				}
			}
		}
	}
	return dedupe(out)
}

// crashAtRE matches a crash place quoted in a test's message, as a test
// that runs the code in a child process reports it: "panic: ... in
// (*Bus).Close at bus.go:103".
var crashAtRE = regexp.MustCompile(`(?:panic|fatal error): (.*?) in \S+ at ([\w.-]+\.go):(\d+)`)

// assertionCauses finds the causes of a failed assertion: a crash place
// its message quotes (a child process's panic), and the patterns of the
// learner's code whose effect the assertion's words name (see
// cause.AssertionWords).
func (d *Diagnoser) assertionCauses(f Finding) []Cause {
	if f.File == "" || !strings.HasSuffix(f.File, "_test.go") {
		return nil
	}
	dir := path.Dir(f.File)
	var out []Cause
	for _, m := range crashAtRE.FindAllStringSubmatch(f.Message, -1) {
		file := path.Join(dir, m[2])
		if strings.HasSuffix(m[2], "_test.go") || d.sourceLine(file, atoi(m[3])) == "" {
			continue
		}
		out = append(out, Cause{File: file, Line: atoi(m[3]), Text: "the process crashed here: " + m[1]})
	}
	p := d.pkg(dir)
	if p == nil || len(out) > 0 {
		return out // a crash's place says it all
	}
	// The words of the message, without the paths and function names it
	// quotes (a package named spin-ticker says nothing about spinning).
	var words []string
	for _, w := range strings.Fields(f.Message + " " + strings.Join(f.Details, " ")) {
		w = strings.Trim(w, "()[]{}.,:;\"'")
		if !strings.ContainsAny(w, "/()") {
			words = append(words, w)
		}
	}
	text := strings.ToLower(strings.Join(words, " "))
	out = appendSites(out, p.Sites, func(s cause.Site) bool {
		return slices.ContainsFunc(cause.AssertionWords(s.Kind), func(w string) bool { return strings.Contains(text, w) })
	})
	return dedupe(out)
}

// panicCauses finds a lock left held by a panic.
func (d *Diagnoser) panicCauses(frames []Location) []Cause {
	var out []Cause
	for _, f := range frames {
		p := d.pkg(path.Dir(f.File))
		if p == nil {
			continue
		}
		if d.panics[f.File] == nil {
			d.panics[f.File] = map[int]bool{}
		}
		d.panics[f.File][f.Line] = true
		for _, r := range p.RegionsAt(f.File, f.Line) {
			if !r.Deferred && r.From < f.Line {
				out = append(out, Cause{File: f.File, Line: f.Line,
					Text: "panics here with " + r.Key + " locked (Lock at line " + strconv.Itoa(r.From) + ", Unlock not deferred): " + r.Key + " stays locked for good"})
			}
		}
	}
	return dedupe(out)
}

// appendSites adds the sites keep selects, as causes.
func appendSites(out []Cause, sites []cause.Site, keep func(cause.Site) bool) []Cause {
	for _, s := range sites {
		if keep(s) {
			out = append(out, Cause{File: s.File, Line: s.Line, Text: s.Why})
		}
	}
	return out
}

// dedupe keeps the first cause at each line.
func dedupe(cs []Cause) []Cause {
	seen := map[string]bool{}
	var out []Cause
	for _, c := range cs {
		k := c.File + ":" + strconv.Itoa(c.Line)
		if !seen[k] {
			seen[k] = true
			out = append(out, c)
		}
	}
	return out
}

// withCauses attaches causes to a finding.
func withCauses(f *Finding, cs []Cause) {
	if len(cs) == 0 {
		return
	}
	f.Causes = cs
	f.Cause = &f.Causes[0]
}

// sourceLine returns one line of a module-relative file, "" when the file
// cannot be read (from the source, or where the stream was recorded).
func (d *Diagnoser) sourceLine(file string, line int) string {
	if file == "" || line <= 0 || path.IsAbs(file) {
		return ""
	}
	lines, ok := d.files[file]
	if !ok {
		fss := d.sources()
		for _, fsys := range fss {
			if b, err := fs.ReadFile(fsys, file); err == nil {
				lines = strings.Split(string(b), "\n")
				break
			}
		}
		d.files[file] = lines
	}
	if line > len(lines) {
		return ""
	}
	return lines[line-1]
}

// logCallRE matches a t.Log or t.Logf call.
var logCallRE = regexp.MustCompile(`\.Logf?\(`)

// logged reports a test line printed by t.Log or t.Logf, as its source
// says: a failing test's log lines are not assertions.
func (d *Diagnoser) logged(loc Location) bool {
	return logCallRE.MatchString(d.sourceLine(loc.File, loc.Line))
}
