package cause

import (
	"go/ast"
	"go/token"
	"slices"
	"strconv"
	"strings"
)

// The patterns that leave no blocked goroutine of their own to point at:
// the diagnosis names them next to a leak whose primitive they share, or
// next to a failed assertion whose words say what they cause (see
// AssertionWords).
const (
	// CancelDropped: the cancel function of context.WithCancel (or
	// WithTimeout, WithDeadline), or the context errgroup.WithContext
	// derives, assigned to _.
	CancelDropped Kind = iota + 100
	// GomaxprocsSet: runtime.GOMAXPROCS(n) with n other than 0 in library
	// code: it changes the whole process.
	GomaxprocsSet
	// NumCPUSized: something sized by runtime.NumCPU(), the host's CPUs.
	NumCPUSized
	// GoPerItem: a goroutine started per item of a loop that then waits
	// for a slot of a semaphore channel.
	GoPerItem
	// SendDropped: a select that sends, with a default that gives up.
	SendDropped
	// SpinDefault: a select with a default case in a loop: it never waits.
	SpinDefault
	// ClosedInSelect: a closed channel only marked in a flag: it stays in
	// the select, where a receive from it is always ready.
	ClosedInSelect
	// NilStartsOpen: the flag of a channel that may be nil starts as open.
	NilStartsOpen
	// NoPriority: a case on ctx.Done() among other ready cases of a select
	// in a loop: the select chooses at random.
	NoPriority
	// GoNoStop: a goroutine started with nothing that can stop it.
	GoNoStop
	// WaitSkipped: a return between starting goroutines and waiting for them.
	WaitSkipped
	// PanicInOnce: a function run by Once.Do that can panic: the Once counts
	// the call as done anyway.
	PanicInOnce
	// WaitInIf: Cond.Wait in an if, not a loop: the condition is not looked at again.
	WaitInIf
	// SignalOne: Cond.Signal where every waiter must wake (closing).
	SignalOne
	// RequestContextGo: a goroutine started by an HTTP handler with the
	// request's context, which net/http cancels when the handler returns.
	RequestContextGo
	// HandlerGoNoOwner: a goroutine started by an HTTP handler that nothing
	// counts or can stop: a shutdown cannot wait for it.
	HandlerGoNoOwner
	// ShutdownAtOnce: a Shutdown, Close or Stop method that only returns:
	// it waits for nothing.
	ShutdownAtOnce
)

// AssertionWords says, for a pattern the diagnosis may name next to a
// failed assertion, the words (lower case) one of which the assertion's
// text must contain; nil for the patterns it never names there.
func AssertionWords(k Kind) []string {
	switch k {
	case CancelDropped:
		return []string{"cancel"}
	case GomaxprocsSet, NumCPUSized:
		return []string{"gomaxprocs", "cpu"}
	case GoPerItem:
		return []string{"goroutines"}
	case SendDropped:
		return []string{"missing", "dropped"}
	case SpinDefault, ClosedInSelect, NilStartsOpen:
		return []string{"spin", "busy", "without waiting"}
	case NoPriority:
		return []string{"cancelled", "canceled"}
	case WaitSkipped:
		return []string{"still running", "still waiting"}
	case PanicInOnce:
		return []string{"panicked"}
	case WaitInIf:
		return []string{"index out of range", "nil pointer"}
	case RequestContextGo:
		return []string{"request", "canceled", "cancelled"}
	case ShutdownAtOnce:
		return []string{"shutdown returned", "after shutdown", "still being"}
	}
	return nil
}

// smells looks for the patterns above in one function.
func (a *analyser) smells(fd *ast.FuncDecl, decls map[string]declAt) {
	body := fd.Body
	// The nodes inside a loop (of this function or of a goroutine it starts).
	loops := map[ast.Node]bool{}
	ast.Inspect(body, func(n ast.Node) bool {
		var b *ast.BlockStmt
		switch n := n.(type) {
		case *ast.ForStmt:
			b = n.Body
		case *ast.RangeStmt:
			b = n.Body
		default:
			return true
		}
		ast.Inspect(b, func(m ast.Node) bool { loops[m] = true; return true })
		return true
	})
	// Selects and ifs, in goroutines' literals too.
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectStmt:
			a.selects(fd, n, loops[n])
		case *ast.IfStmt:
			a.waitInIf(fd, n)
		}
		return true
	})
	var goLines, waitLines []int
	inspectOwn(body, func(n ast.Node) {
		switch n := n.(type) {
		case *ast.AssignStmt:
			a.dropped(n)
		case *ast.CallExpr:
			a.cpuCalls(n)
			if _, _, ok := methodCall(n, "Go"); ok {
				goLines = append(goLines, a.line(n.Pos()))
			}
			if _, _, ok := methodCall(n, "Wait"); ok && len(n.Args) == 0 {
				waitLines = append(waitLines, a.line(n.Pos()))
			}
			a.onceDo(n, decls)
			a.signal(fd, n)
		case *ast.GoStmt:
			goLines = append(goLines, a.line(n.Pos()))
			a.goPerItem(n, loops[n])
			a.goNoStop(n, decls)
			a.goInHandler(fd, n)
		}
	})
	a.waitSkipped(body, loops, goLines, waitLines)
	a.shutdownAtOnce(fd)
}

// requestParam names the *http.Request parameter of a handler ("" when fd
// has none).
func requestParam(fd *ast.FuncDecl) string {
	for _, p := range fd.Type.Params.List {
		star, ok := p.Type.(*ast.StarExpr)
		if !ok {
			continue
		}
		if sel, ok := star.X.(*ast.SelectorExpr); ok && keyOf(sel.X) == "http" && sel.Sel.Name == "Request" && len(p.Names) == 1 {
			return p.Names[0].Name
		}
	}
	return ""
}

// goInHandler: a goroutine an HTTP handler starts with r.Context(), or with
// no owner (nothing in the handler counts it: no wg.Add or Go around it).
func (a *analyser) goInHandler(fd *ast.FuncDecl, g *ast.GoStmt) {
	r := requestParam(fd)
	if r == "" {
		return
	}
	for _, arg := range g.Call.Args {
		if c, ok := arg.(*ast.CallExpr); ok {
			if x, _, ok := methodCall(c, "Context"); ok && keyOf(x) == r {
				a.site(RequestContextGo, g.Pos(), "", a.line(g.Pos()),
					"the goroutine gets "+r+".Context(), which net/http cancels as soon as the handler returns: the work it does afterwards is cut short (context.WithoutCancel keeps the values without the cancellation)")
				return
			}
		}
	}
	counted := false
	inspectOwn(fd.Body, func(n ast.Node) {
		if c, ok := n.(*ast.CallExpr); ok {
			if _, _, ok := methodCall(c, "Add", "Go"); ok {
				counted = true
			}
		}
	})
	if !counted {
		a.site(HandlerGoNoOwner, g.Pos(), "", a.line(g.Pos()),
			"the handler starts this goroutine and returns: nothing counts it or can stop it, so a shutdown cannot wait for it")
	}
}

// shutdownAtOnce: "func (s *S) Shutdown(ctx) error { return nil }".
func (a *analyser) shutdownAtOnce(fd *ast.FuncDecl) {
	if fd.Recv == nil || fd.Body == nil || !slices.Contains([]string{"Shutdown", "Close", "Stop"}, fd.Name.Name) {
		return
	}
	for _, s := range fd.Body.List {
		if _, ok := s.(*ast.ReturnStmt); !ok {
			return
		}
	}
	if len(fd.Body.List) > 0 {
		a.site(ShutdownAtOnce, fd.Body.List[0].Pos(), "", 0,
			fd.Name.Name+" returns at once: it waits for no work still running and refuses nothing new")
	}
}

// declAt is a function declaration of the package and its file.
type declAt struct {
	fd   *ast.FuncDecl
	file string
}

// dropped: "ctx, _ := context.WithTimeout(...)", "g, _ := errgroup.WithContext(ctx)".
func (a *analyser) dropped(as *ast.AssignStmt) {
	if len(as.Lhs) != 2 || len(as.Rhs) != 1 {
		return
	}
	pkg, name := "", ""
	if c, ok := as.Rhs[0].(*ast.CallExpr); ok {
		if sel, ok := c.Fun.(*ast.SelectorExpr); ok {
			pkg, name = keyOf(sel.X), sel.Sel.Name
		}
	}
	blank := func(e ast.Expr) bool { id, ok := e.(*ast.Ident); return ok && id.Name == "_" }
	switch {
	case pkg == "context" && strings.HasPrefix(name, "With") && name != "WithValue" && name != "WithoutCancel" && blank(as.Lhs[1]):
		a.site(CancelDropped, as.Pos(), "", 0, "the cancel function of context."+name+" is thrown away: nothing ends this context when the function returns early, and go vet's lostcancel check says so")
	case name == "WithContext" && blank(as.Lhs[1]):
		a.site(CancelDropped, as.Pos(), "", 0, "the context "+pkg+".WithContext derives is thrown away: the group cancels it at the first error, but nothing was given it, so the other goroutines never hear of the failure")
	}
}

// cpuCalls: runtime.GOMAXPROCS(n) with n != 0, runtime.NumCPU().
func (a *analyser) cpuCalls(c *ast.CallExpr) {
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok || keyOf(sel.X) != "runtime" {
		return
	}
	switch sel.Sel.Name {
	case "GOMAXPROCS":
		if len(c.Args) == 1 {
			if lit, ok := c.Args[0].(*ast.BasicLit); ok && lit.Value == "0" {
				return
			}
			a.site(GomaxprocsSet, c.Pos(), "", 0, "runtime.GOMAXPROCS("+exprString(c.Args[0])+") changes the whole process's setting (above a container's CPU limit, and it stops the runtime's own updates of it); read it with runtime.GOMAXPROCS(0)")
		}
	case "NumCPU":
		a.site(NumCPUSized, c.Pos(), "", 0, "runtime.NumCPU() is the host's CPU count, not the CPUs this process may use (runtime.GOMAXPROCS(0))")
	}
}

// goPerItem: "for ... { go func() { sem <- x; ... }() }".
func (a *analyser) goPerItem(g *ast.GoStmt, inLoop bool) {
	lit, ok := g.Call.Fun.(*ast.FuncLit)
	if !inLoop || !ok {
		return
	}
	for _, s := range lit.Body.List {
		if send, ok := s.(*ast.SendStmt); ok && receives(lit.Body, keyOf(send.Chan)) {
			k := a.key(send.Chan)
			a.site(GoPerItem, g.Pos(), k, a.line(g.Pos()),
				"one goroutine is started per item, and only then waits for a slot of "+k+": the semaphore bounds how many run at once, not how many exist")
			return
		}
		if _, ok := s.(*ast.DeferStmt); !ok {
			if _, ok := s.(*ast.ExprStmt); !ok {
				return
			}
		}
	}
}

// receives reports a receive from the channel named ch in a block: the
// release of a semaphore.
func receives(b *ast.BlockStmt, ch string) bool {
	found := false
	ast.Inspect(b, func(n ast.Node) bool {
		if u, ok := n.(*ast.UnaryExpr); ok && u.Op == token.ARROW && keyOf(u.X) == ch {
			found = true
		}
		return !found
	})
	return found
}

// goNoStop: "go f(q)" where f is a function of the package that loops and
// is given no context or channel.
func (a *analyser) goNoStop(g *ast.GoStmt, decls map[string]declAt) {
	id, ok := g.Call.Fun.(*ast.Ident)
	if !ok {
		return
	}
	d, ok := decls[id.Name]
	if !ok || d.fd.Body == nil {
		return
	}
	for _, p := range d.fd.Type.Params.List {
		switch t := p.Type.(type) {
		case *ast.ChanType:
			return
		case *ast.SelectorExpr:
			if t.Sel.Name == "Context" {
				return
			}
		}
	}
	loops := false
	inspectOwn(d.fd.Body, func(n ast.Node) {
		switch n.(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			loops = true
		}
	})
	if loops {
		a.site(GoNoStop, g.Pos(), "", a.line(g.Pos()),
			"starts "+id.Name+", which loops, with nothing that can stop it: it gets no context and no channel, and nothing waits for it")
	}
}

// selects: a send given up by default; a default in a loop (a spin);
// closed channels kept in the select; a ctx.Done() case among others.
func (a *analyser) selects(fd *ast.FuncDecl, sel *ast.SelectStmt, inLoop bool) {
	var def *ast.CommClause
	sends, recvs := 0, 0
	var doneCase *ast.CommClause
	for _, s := range sel.Body.List {
		cc := s.(*ast.CommClause)
		switch c := cc.Comm.(type) {
		case nil:
			def = cc
		case *ast.SendStmt:
			sends++
		default:
			recvs++
			if isCtxDone(c) {
				doneCase = cc
			}
			a.closedInSelect(fd, cc)
		}
	}
	if def != nil && sends > 0 && !sendsIn(def.Body) {
		a.site(SendDropped, def.Pos(), "", a.line(sel.Pos()),
			"this default gives the send up when the receiver is not ready: the value is dropped, silently")
	}
	if def != nil && inLoop && sends == 0 {
		a.site(SpinDefault, def.Pos(), "", a.line(sel.Pos()),
			"a select with a default case never waits: in a loop it goes round again at once, for ever, a core at 100%")
	}
	if doneCase != nil && recvs > 1 && inLoop {
		a.site(NoPriority, doneCase.Pos(), "", a.line(sel.Pos()),
			"being a case of the select gives the cancellation no priority: a select chooses at random among the ready cases, so work still waiting is done after cancellation")
	}
}

// isCtxDone reports "<-ctx.Done()".
func isCtxDone(s ast.Stmt) bool {
	found := false
	ast.Inspect(s, func(n ast.Node) bool {
		if _, _, ok := methodCall(asExpr(n), "Done"); ok {
			found = true
		}
		return !found
	})
	return found
}

func sendsIn(stmts []ast.Stmt) bool {
	found := false
	for _, s := range stmts {
		ast.Inspect(s, func(n ast.Node) bool {
			if _, ok := n.(*ast.SendStmt); ok {
				found = true
			}
			return !found
		})
	}
	return found
}

// closedInSelect: "case v, ok := <-ch: if !ok { open = false; continue }"
// with ch left in the select (never set to nil).
func (a *analyser) closedInSelect(fd *ast.FuncDecl, cc *ast.CommClause) {
	as, ok := cc.Comm.(*ast.AssignStmt)
	if !ok || len(as.Lhs) != 2 || len(as.Rhs) != 1 {
		return
	}
	okName := keyOf(as.Lhs[1])
	un, ok := as.Rhs[0].(*ast.UnaryExpr)
	if !ok || un.Op != token.ARROW || okName == "" || okName == "_" {
		return
	}
	ch := keyOf(un.X)
	for _, s := range cc.Body {
		ifs, ok := s.(*ast.IfStmt)
		if !ok {
			continue
		}
		neg, ok := ifs.Cond.(*ast.UnaryExpr)
		if !ok || neg.Op != token.NOT || keyOf(neg.X) != okName {
			continue
		}
		if assigns(ifs.Body, ch) {
			return // ch = nil: it leaves the select
		}
		for _, st := range ifs.Body.List {
			fa, ok := st.(*ast.AssignStmt)
			if !ok || len(fa.Lhs) != 1 {
				continue
			}
			flag := keyOf(fa.Lhs[0])
			a.site(ClosedInSelect, fa.Pos(), ch, a.line(cc.Pos()),
				ch+" is closed, and only "+flag+" says so: "+ch+" stays in the select, where a receive from a closed channel is always ready (zero value, ok false), so the loop never waits again")
			a.nilStartsOpen(fd, flag, ch)
		}
	}
}

// assigns reports "name = ..." in a block.
func assigns(b *ast.BlockStmt, name string) bool {
	found := false
	ast.Inspect(b, func(n ast.Node) bool {
		if as, ok := n.(*ast.AssignStmt); ok {
			for _, l := range as.Lhs {
				found = found || keyOf(l) == name
			}
		}
		return !found
	})
	return found
}

// nilStartsOpen: "open := true" for a channel parameter that may be nil.
func (a *analyser) nilStartsOpen(fd *ast.FuncDecl, flag, ch string) {
	inspectOwn(fd.Body, func(n ast.Node) {
		as, ok := n.(*ast.AssignStmt)
		if !ok || as.Tok != token.DEFINE || len(as.Lhs) != len(as.Rhs) {
			return
		}
		for i, l := range as.Lhs {
			if keyOf(l) == flag {
				if id, ok := as.Rhs[i].(*ast.Ident); ok && id.Name == "true" {
					a.site(NilStartsOpen, as.Pos(), ch, 0,
						flag+" starts as true even when "+ch+" is nil: a nil channel is never closed, so the loop waits for it for ever")
				}
			}
		}
	})
}

// waitSkipped: a return after goroutines were started (or in the loop that
// starts them) and before the Wait that waits for them.
func (a *analyser) waitSkipped(body *ast.BlockStmt, loops map[ast.Node]bool, goLines, waitLines []int) {
	if len(goLines) == 0 || len(waitLines) == 0 {
		return
	}
	first, wait := goLines[0], waitLines[len(waitLines)-1]
	inspectOwn(body, func(n ast.Node) {
		r, ok := n.(*ast.ReturnStmt)
		if !ok {
			return
		}
		l := a.line(r.Pos())
		if l >= wait || l < first && !loops[r] {
			return
		}
		if l < first {
			// In a loop: only when that loop starts goroutines after it.
			later := false
			for _, g := range goLines {
				later = later || g > l && g < wait
			}
			if !later {
				return
			}
		}
		a.site(WaitSkipped, r.Pos(), "", first,
			"this return leaves before the Wait at line "+strconv.Itoa(wait)+": the goroutines already started (line "+strconv.Itoa(first)+") keep running after the function has returned")
	})
}

// onceDo: "once.Do(f)" where f can panic.
func (a *analyser) onceDo(c *ast.CallExpr, decls map[string]declAt) {
	if _, _, ok := methodCall(c, "Do"); !ok || len(c.Args) != 1 {
		return
	}
	var fnBody *ast.BlockStmt
	file := a.file
	switch f := c.Args[0].(type) {
	case *ast.FuncLit:
		fnBody = f.Body
	case *ast.SelectorExpr:
		if d, ok := decls[f.Sel.Name]; ok {
			fnBody, file = d.fd.Body, d.file
		}
	case *ast.Ident:
		if d, ok := decls[f.Name]; ok {
			fnBody, file = d.fd.Body, d.file
		}
	}
	if fnBody == nil {
		return
	}
	var panics []token.Pos
	ast.Inspect(fnBody, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok && isPanic(c) {
			panics = append(panics, c.Pos())
		}
		return true
	})
	if len(panics) == 0 {
		return
	}
	doLine := a.line(c.Pos())
	a.site(PanicInOnce, c.Pos(), "", doLine,
		"Once.Do counts the call as done whether it returned or panicked: after a panic in it, the work is never done, and no later call tries again")
	for _, p := range panics {
		a.p.Sites = append(a.p.Sites, Site{Kind: PanicInOnce, File: file, Line: a.line(p), Func: a.fn, From: doLine,
			Why: "panics inside Once.Do (line " + strconv.Itoa(doLine) + "): a recover above catches it, but the Once counts the call as done, and nothing ever tries again"})
	}
}

// waitInIf: "if cond { c.Wait() }": Cond.Wait must be in a loop.
func (a *analyser) waitInIf(fd *ast.FuncDecl, ifs *ast.IfStmt) {
	for _, s := range ifs.Body.List {
		call, ok := stmtCall(s).(*ast.CallExpr)
		if !ok || len(call.Args) != 0 {
			continue
		}
		x, _, ok := methodCall(call, "Wait")
		if !ok || !a.lockedBefore(fd, ifs.Pos()) {
			continue // only a Cond's Wait is called with a lock held
		}
		k := a.key(x)
		a.site(WaitInIf, ifs.Pos(), k, a.line(s.Pos()),
			k+".Wait in an if, not a for loop: a goroutine woken for another reason (a Signal meant for another waiter, Close) does not look at the condition again")
	}
}

// lockedBefore reports a Lock call in the function before pos.
func (a *analyser) lockedBefore(fd *ast.FuncDecl, pos token.Pos) bool {
	found := false
	inspectOwn(fd.Body, func(n ast.Node) {
		if c, ok := n.(*ast.CallExpr); ok && c.Pos() < pos {
			if _, _, ok := methodCall(c, "Lock"); ok {
				found = true
			}
		}
	})
	return found
}

// signal: "c.Signal()" in a function that closes or stops (every waiter
// must wake).
func (a *analyser) signal(fd *ast.FuncDecl, c *ast.CallExpr) {
	x, _, ok := methodCall(c, "Signal")
	if !ok {
		return
	}
	name := strings.ToLower(fd.Name.Name)
	if !strings.Contains(name, "close") && !strings.Contains(name, "stop") && !strings.Contains(name, "shutdown") {
		return
	}
	k := a.key(x)
	a.site(SignalOne, c.Pos(), k, 0,
		k+".Signal wakes one waiter; "+fd.Name.Name+" concerns every waiter, and the others sleep in Wait for ever: use Broadcast")
}
