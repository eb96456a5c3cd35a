package timeline

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Glyphs draw the states; they differ by shape, so the timeline reads
// without colour (NO_COLOR) and on a projector.
const (
	GlyphRunning  = '█'
	GlyphRunnable = '▒'
	GlyphBlocked  = '·'
	GlyphSyscall  = '~'
	GlyphNone     = ' '
	GlyphLeaked   = '✗'
)

// Legend explains the glyphs in one line.
func Legend() string {
	return fmt.Sprintf("%c running  %c runnable  %c blocked  %c syscall  %c leaked (still blocked at the end)",
		GlyphRunning, GlyphRunnable, GlyphBlocked, GlyphSyscall, GlyphLeaked)
}

// View is the window of a timeline to draw.
type View struct {
	// Width and Height are the size of the text, in cells.
	Width, Height int
	// From and To are the time window; To == 0 means the whole trace.
	From, To time.Duration
	// Top is the first lane shown (scrolling).
	Top int
}

// Zoom returns the view with its time window narrowed (factor > 1) or
// widened (factor < 1) around its middle, kept inside the trace.
func (v View) Zoom(t *Timeline, factor float64) View {
	from, to := v.window(t)
	mid := from + (to-from)/2
	half := time.Duration(float64(to-from) / factor / 2)
	half = max(half, time.Microsecond)
	v.From, v.To = max(0, mid-half), min(t.Duration, mid+half)
	if v.From == 0 && v.To == t.Duration {
		v.To = 0
	}
	return v
}

// Pan moves the time window by a fraction of its width, kept inside the trace.
func (v View) Pan(t *Timeline, fraction float64) View {
	from, to := v.window(t)
	d := time.Duration(float64(to-from) * fraction)
	d = max(d, -from)
	d = min(d, t.Duration-to)
	v.From, v.To = from+d, to+d
	return v
}

// window is the view's time window, resolved against the trace.
func (v View) window(t *Timeline) (time.Duration, time.Duration) {
	if v.To <= v.From || v.To > t.Duration {
		return 0, max(t.Duration, 1)
	}
	return v.From, v.To
}

// labelWidth is the width of the lane labels for a given total width.
func labelWidth(w int) int { return min(40, max(12, w*2/5)) }

// Render draws the timeline in v: a header, one lane per goroutine of the
// code under test, a "running at once" row against GOMAXPROCS, the leaked
// goroutines with their line, and the legend. Every line fits v.Width.
func Render(t *Timeline, v View) string {
	w := max(v.Width, 40)
	from, to := v.window(t)
	lw := labelWidth(w)
	cols := w - lw - 1
	var b strings.Builder
	line := func(s string) { b.WriteString(fit(s, w) + "\n") }
	line(fmt.Sprintf("%d goroutines of your code (%d others hidden) · GOMAXPROCS %d", len(t.Goroutines), t.Others, t.GOMAXPROCS))
	line(fmt.Sprintf("at most %d of them running at once, %d alive at once", t.MaxAtOnce, t.MaxAlive))
	line(pad("", lw) + " " + axis(from, to, cols))
	footer := footerLines(t, w)
	footerHeight := 0
	for _, f := range footer {
		footerHeight += len(wrap(f, w))
	}
	room := max(v.Height-3-1-footerHeight, 1)
	if len(t.Goroutines) > room {
		room = max(room-1, 1) // the "more lanes" line
	}
	top := min(max(v.Top, 0), max(len(t.Goroutines)-room, 0))
	end := min(len(t.Goroutines), top+room)
	for _, g := range t.Goroutines[top:end] {
		line(pad(label(g), lw) + " " + drawLane(g, from, to, cols))
	}
	if hidden := len(t.Goroutines) - (end - top); hidden > 0 {
		line(fmt.Sprintf("(%d more lanes: scroll with ↑/↓)", hidden))
	}
	line(pad(fmt.Sprintf("running at once/%d", t.GOMAXPROCS), lw) + " " + atOnce(t, from, to, cols))
	for _, f := range footer {
		for _, l := range wrap(f, w) {
			line(l)
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// footerLines are the leaked goroutines (merged when alike) and the legend.
func footerLines(t *Timeline, w int) []string {
	type key struct {
		fn, reason, file string
		line             int
	}
	counts := map[key]int{}
	var order []key
	for _, g := range t.Goroutines {
		if !g.Leaked || len(g.Intervals) == 0 {
			continue
		}
		last := g.Intervals[len(g.Intervals)-1]
		k := key{g.Func, last.Reason, last.File, last.Line}
		if counts[k] == 0 {
			order = append(order, k)
		}
		counts[k]++
	}
	var out []string
	for _, k := range order {
		who := k.fn
		if n := counts[k]; n > 1 {
			who = fmt.Sprintf("%d × %s", n, k.fn)
		}
		where := ""
		if k.file != "" {
			where = fmt.Sprintf(" at %s:%d", k.file, k.line)
		}
		out = append(out, fmt.Sprintf("%c %s: left blocked in %s%s", GlyphLeaked, who, k.reason, where))
	}
	if t.Partial {
		out = append(out, "the trace was cut short (the test binary was stopped): what was recorded is shown")
	}
	if t.Resolution > 0 {
		out = append(out, fmt.Sprintf("a long trace: detail finer than %v is merged", t.Resolution))
	}
	return append(out, Legend())
}

// label names a lane: start site, then function.
func label(g Goroutine) string {
	if g.StartFile != "" {
		return fmt.Sprintf("%s:%d %s", g.StartFile, g.StartLine, g.Func)
	}
	return g.Func
}

// axis marks the window's start and end times.
func axis(from, to time.Duration, cols int) string {
	l, r := round(from), round(to)
	gap := cols - utf8.RuneCountInString(l) - utf8.RuneCountInString(r)
	if gap < 1 {
		return fit(l, cols)
	}
	return l + strings.Repeat("─", gap) + r
}

func round(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}

// bucket is the time span of column c.
func bucket(from, to time.Duration, cols, c int) (time.Duration, time.Duration) {
	span := to - from
	return from + span*time.Duration(c)/time.Duration(cols), from + span*time.Duration(c+1)/time.Duration(cols)
}

// drawLane draws one goroutine: per column, the most telling state in it
// (running, then runnable, syscall, blocked); a leaked goroutine ends in ✗.
// Each interval marks only the columns it overlaps.
func drawLane(g Goroutine, from, to time.Duration, cols int) string {
	row := make([]rune, cols)
	best := make([]int, cols)
	for c := range row {
		row[c] = GlyphNone
	}
	for _, iv := range g.Intervals {
		if iv.End <= from || iv.Start >= to {
			continue
		}
		r := rank(iv.State)
		for c := column(from, to, cols, iv.Start); c < cols; c++ {
			lo, hi := bucket(from, to, cols, c)
			if lo >= iv.End {
				break
			}
			if hi > iv.Start && r > best[c] {
				best[c], row[c] = r, glyph(iv.State)
			}
		}
	}
	if g.Leaked && len(g.Intervals) > 0 && g.Intervals[len(g.Intervals)-1].End >= to {
		row[cols-1] = GlyphLeaked
	}
	return string(row)
}

// column is the first column whose time span could hold t (one before,
// at worst, for rounding).
func column(from, to time.Duration, cols int, t time.Duration) int {
	if t <= from {
		return 0
	}
	c := int(float64(t-from)/float64(to-from)*float64(cols)) - 1
	return min(max(c, 0), cols-1)
}

func rank(s State) int {
	switch s {
	case Running:
		return 4
	case Runnable:
		return 3
	case Syscall:
		return 2
	case Blocked:
		return 1
	}
	return 0
}

func glyph(s State) rune {
	switch s {
	case Running:
		return GlyphRunning
	case Runnable:
		return GlyphRunnable
	case Syscall:
		return GlyphSyscall
	case Blocked:
		return GlyphBlocked
	}
	return GlyphNone
}

// atOnce draws, per column, the largest number of goroutines of the code
// under test running at the same moment within it ('0'-'9', '+' for more),
// in one sweep over the starts and ends of the running intervals.
func atOnce(t *Timeline, from, to time.Duration, cols int) string {
	if t.running != nil {
		return digits(t.running.peaks(t.Duration, from, to, cols))
	}
	type edge struct {
		at    time.Duration
		delta int
	}
	var edges []edge
	for _, g := range t.Goroutines {
		for _, iv := range g.Intervals {
			if iv.State == Running && iv.End > iv.Start && iv.End > from && iv.Start < to {
				edges = append(edges, edge{iv.Start, 1}, edge{iv.End, -1})
			}
		}
	}
	slices.SortFunc(edges, func(a, b edge) int {
		if a.at != b.at {
			return cmp.Compare(a.at, b.at)
		}
		return a.delta - b.delta // ends before starts at the same instant
	})
	peaks := make([]int, cols)
	n, i := 0, 0
	for c := range peaks {
		lo, hi := bucket(from, to, cols, c)
		for ; i < len(edges) && edges[i].at <= lo; i++ {
			n += edges[i].delta // running at lo
		}
		peaks[c] = n
		for ; i < len(edges) && edges[i].at < hi; i++ {
			n += edges[i].delta
			peaks[c] = max(peaks[c], n)
		}
	}
	return digits(peaks)
}

// peaks is the largest count in each column's time span (the series ends
// at end).
func (s *series) peaks(end, from, to time.Duration, cols int) []int {
	peaks := make([]int, cols)
	for i, st := range s.steps {
		until := end
		if i+1 < len(s.steps) {
			until = s.steps[i+1].at
		}
		if until <= st.at || until <= from || st.at >= to {
			continue
		}
		for c := column(from, to, cols, st.at); c < cols; c++ {
			lo, hi := bucket(from, to, cols, c)
			if lo >= until {
				break
			}
			if hi > st.at {
				peaks[c] = max(peaks[c], st.n)
			}
		}
	}
	return peaks
}

// digits draws counts as '0'-'9', '+' for more, blank for none.
func digits(counts []int) string {
	row := make([]rune, len(counts))
	for c, n := range counts {
		switch {
		case n == 0:
			row[c] = ' '
		case n > 9:
			row[c] = '+'
		default:
			row[c] = rune('0' + n)
		}
	}
	return string(row)
}

// wrap breaks s at spaces into lines of at most w cells (a word longer
// than w is cut).
func wrap(s string, w int) []string {
	var lines []string
	cur := ""
	for _, word := range strings.Fields(s) {
		switch {
		case cur == "":
			cur = word
		case utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(word) <= w:
			cur += " " + word
		default:
			lines = append(lines, cur)
			cur = "  " + word
		}
	}
	return append(lines, fit(cur, w))
}

// pad fits s into exactly w cells.
func pad(s string, w int) string {
	s = fit(s, w)
	return s + strings.Repeat(" ", w-utf8.RuneCountInString(s))
}

// fit cuts s to w cells, marking the cut.
func fit(s string, w int) string {
	if utf8.RuneCountInString(s) <= w {
		return s
	}
	r := []rune(s)
	return string(r[:w-1]) + "…"
}
