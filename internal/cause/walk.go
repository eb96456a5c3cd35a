package cause

import (
	"go/ast"
	"go/token"
	"strconv"
)

// analyser walks one file's functions.
type analyser struct {
	p          *Package
	fset       *token.FileSet
	file       string
	fn         string                       // top-level function being walked
	recv       string                       // its receiver's name, for a method
	recvType   string                       // its receiver's type name
	params     map[string]bool              // its interface- or func-typed parameters
	dyn        map[string]bool              // see dynamicNames
	unbuffered map[string]bool              // see unbufferedChans
	fields     map[string]map[string]string // see fieldTypes
	after      map[*ast.BlockStmt]afterLoop // see blocks
}

func (a *analyser) line(p token.Pos) int { return a.fset.Position(p).Line }

func (a *analyser) site(k Kind, at token.Pos, key string, from int, why string) {
	a.p.Sites = append(a.p.Sites, Site{Kind: k, File: a.file, Line: a.line(at), Func: a.fn, Key: key, From: from, Why: why})
}

func (a *analyser) op(at token.Pos, what, key string) {
	if key == "" {
		return
	}
	m := a.p.ops[a.file]
	if m == nil {
		m = map[int][]Op{}
		a.p.ops[a.file] = m
	}
	l := a.line(at)
	m[l] = append(m[l], Op{What: what, Key: key})
}

// body walks a function body (a declaration's or a literal's).
func (a *analyser) body(b *ast.BlockStmt) {
	a.ops(b)
	a.blocks(b)
	a.goroutines(b)
	a.cancelReturns(b)
}

// ops records the blocking operations of a body, by line.
func (a *analyser) ops(b *ast.BlockStmt) {
	ast.Inspect(b, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SendStmt:
			a.op(n.Pos(), "send", keyOf(n.Chan))
		case *ast.RangeStmt:
			a.op(n.Pos(), "range", a.key(n.X))
		case *ast.UnaryExpr:
			if n.Op == token.ARROW {
				a.op(n.Pos(), "recv", keyOf(n.X))
			}
		case *ast.CallExpr:
			if x, name, ok := methodCall(n, "Lock", "RLock", "Unlock", "RUnlock", "Wait", "Add", "Go"); ok {
				what := map[string]string{"Lock": "lock", "RLock": "rlock", "Unlock": "unlock", "RUnlock": "unlock", "Wait": "wait", "Add": "add", "Go": "go"}[name]
				a.op(n.Pos(), what, a.key(x))
			}
		}
		return true
	})
}

// blocks finds every statement list of a body (nested ones included) and
// looks in each for a Lock released by hand and a response obtained.
func (a *analyser) blocks(b *ast.BlockStmt) {
	// after maps a loop's body to the statements that follow the loop in
	// its own list, and whether that list is the function's body.
	after := map[*ast.BlockStmt]afterLoop{}
	ast.Inspect(b, func(n ast.Node) bool {
		list, _ := stmtList(n)
		for i, s := range list {
			if body := loopBody(s); body != nil {
				after[body] = afterLoop{rest: list[i+1:], fnEnd: n == b}
			}
		}
		return true
	})
	a.after = after
	ast.Inspect(b, func(n ast.Node) bool {
		list, ok := stmtList(n)
		if !ok {
			return true
		}
		for i, s := range list {
			a.lock(s, list[i+1:], b, n)
			a.response(s, list[i+1:])
		}
		return true
	})
}

// stmtList is the statement list a node holds: a block's, or a switch or
// select case's body; false for any other node.
func stmtList(n ast.Node) ([]ast.Stmt, bool) {
	switch n := n.(type) {
	case *ast.BlockStmt:
		return n.List, true
	case *ast.CaseClause:
		return n.Body, true
	case *ast.CommClause:
		return n.Body, true
	}
	return nil, false
}

// loopBody is the body of a for or range statement; nil for any other node.
func loopBody(n ast.Node) *ast.BlockStmt {
	switch n := n.(type) {
	case *ast.ForStmt:
		return n.Body
	case *ast.RangeStmt:
		return n.Body
	}
	return nil
}

// afterLoop is what runs after a loop: the rest of its list, and whether
// that list ends the function.
type afterLoop struct {
	rest  []ast.Stmt
	fnEnd bool
}

// state is what a path does with a held mutex or an open body.
type state int

const (
	held       state = iota // still held (open) when the statements end
	released                // released (closed) on every path that goes on
	terminated              // every path returned or panicked
)

// lock looks at one statement: a Lock not followed by a deferred Unlock
// starts a held region; the returns and dynamic calls in it are sites.
func (a *analyser) lock(s ast.Stmt, rest []ast.Stmt, fnBody *ast.BlockStmt, owner ast.Node) {
	x, name, ok := methodCall(stmtCall(s), "Lock", "RLock")
	if !ok || isDefer(s) {
		return
	}
	key := a.key(x)
	unlock := map[string]string{"Lock": "Unlock", "RLock": "RUnlock"}[name]
	from := a.line(s.Pos())
	region := Region{File: a.file, Key: key, Read: name == "RLock", From: from}
	if deferredUnlock(rest, key, unlock, a.key) {
		region.To, region.Deferred = a.line(fnBody.End()), true
		a.p.Regions = append(a.p.Regions, region)
		return
	}
	what := exprString(x)
	w := &walker{a: a}
	w.release = func(s ast.Stmt) bool {
		y, _, ok := methodCall(stmtCall(s), unlock)
		return ok && a.key(y) == key
	}
	w.onReturn = func(r ast.Node) {
		w.a.site(LockReturn, r.Pos(), key, from,
			"returns with "+what+" still locked (Lock at line "+strconv.Itoa(from)+", Unlock not deferred)")
	}
	w.onPanic = func(r ast.Node) {
		w.a.site(LockPanic, r.Pos(), key, from, "panics with "+what+" still locked (Lock at line "+strconv.Itoa(from)+")")
	}
	w.onNode = func(n ast.Node) { a.dynamicCalls(n, key, what, from) }
	if body, ok := owner.(*ast.BlockStmt); ok {
		if al, ok := a.after[body]; ok {
			w.onBreak = func(br ast.Node) {
				// Follow the code after the loop: a return or the end of
				// the function with the lock still held.
				sub := &walker{a: a, release: w.release, onNode: w.onNode}
				sub.onReturn = func(r ast.Node) {
					a.site(LockReturn, br.Pos(), key, from,
						"breaks out of the loop with "+what+" still locked (Lock at line "+strconv.Itoa(from)+"), and the return at line "+strconv.Itoa(a.line(r.Pos()))+" leaves it locked")
				}
				if sub.list(al.rest) == held && al.fnEnd {
					a.site(LockReturn, br.Pos(), key, from,
						"breaks out of the loop with "+what+" still locked (Lock at line "+strconv.Itoa(from)+"), and the function ends without unlocking it")
				}
			}
		}
	}
	w.onContinue = func(c ast.Node) {
		w.a.site(LockReturn, c.Pos(), key, from,
			"continues the loop with "+what+" still locked: the next round's Lock (line "+strconv.Itoa(from)+") waits for itself for ever")
	}
	w.list(rest)
	region.To = w.last
	if region.To < from {
		region.To = from
	}
	a.p.Regions = append(a.p.Regions, region)
}

// deferredUnlock reports a defer among the statements that unlock the
// mutex: "defer mu.Unlock()", "defer func() { ...; mu.Unlock() }()", or a
// deferred call of a local function that unlocks it
// ("unlock := func() { mu.Unlock() }; defer func() { unlock() }()").
func deferredUnlock(rest []ast.Stmt, key, unlock string, keyOf func(ast.Expr) string) bool {
	unlocks := func(n ast.Node) bool {
		found := false
		ast.Inspect(n, func(n ast.Node) bool {
			if y, _, ok := methodCall(asExpr(n), unlock); ok && keyOf(y) == key {
				found = true
			}
			return !found
		})
		return found
	}
	helpers := map[string]bool{}
	for _, s := range rest {
		if as, ok := s.(*ast.AssignStmt); ok && len(as.Lhs) == 1 && len(as.Rhs) == 1 {
			if lit, ok := as.Rhs[0].(*ast.FuncLit); ok && unlocks(lit) {
				helpers[keyOf(as.Lhs[0])] = true
			}
		}
		d, ok := s.(*ast.DeferStmt)
		if !ok {
			continue
		}
		if unlocks(d) {
			return true
		}
		called := false
		ast.Inspect(d, func(n ast.Node) bool {
			if c, ok := n.(*ast.CallExpr); ok {
				if id, ok := c.Fun.(*ast.Ident); ok && helpers[id.Name] {
					called = true
				}
			}
			return !called
		})
		if called {
			return true
		}
	}
	return false
}

func isDefer(s ast.Stmt) bool { _, ok := s.(*ast.DeferStmt); return ok }

// walker follows the paths of the statements after a point (a Lock, a
// response obtained) until something releases what was taken there.
type walker struct {
	a        *analyser
	release  func(ast.Stmt) bool // the statement releases (Unlock, Body.Close, or hands it on)
	onReturn func(ast.Node)      // a return reached while held
	onPanic  func(ast.Node)      // a panic reached while held
	onNode   func(ast.Node)      // any other part of a statement run while held
	// onContinue and onBreak are an unlabelled continue or break of the
	// loop around the walked statements, reached while held (nil: nothing
	// to say).
	onContinue, onBreak func(ast.Node)
	inSwitch            int // depth of switch and select statements being walked
	last                int // last line seen held
}

func (w *walker) list(stmts []ast.Stmt) state {
	for _, s := range stmts {
		switch st := w.stmt(s); st {
		case released, terminated:
			return st
		}
	}
	return held
}

func (w *walker) node(n ast.Node) {
	if n != nil && w.onNode != nil {
		w.onNode(n)
	}
}

func (w *walker) stmt(s ast.Stmt) state {
	if w.release(s) {
		return released
	}
	w.last = max(w.last, w.a.line(s.End()))
	switch s := s.(type) {
	case *ast.ReturnStmt:
		w.node(s)
		w.onReturn(s)
		return terminated
	case *ast.ExprStmt:
		if isPanic(s.X) {
			if w.onPanic != nil {
				w.onPanic(s)
			}
			return terminated
		}
		w.node(s)
	case *ast.IfStmt:
		if s.Init != nil {
			w.node(s.Init)
		}
		w.node(s.Cond)
		r1 := w.list(s.Body.List)
		r2 := held
		if s.Else != nil {
			r2 = w.stmt(s.Else)
		}
		return join(r1, r2)
	case *ast.BlockStmt:
		return w.list(s.List)
	case *ast.ForStmt:
		w.list(s.Body.List)
	case *ast.RangeStmt:
		w.node(s.X)
		w.list(s.Body.List)
	case *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
		return w.branches(s)
	case *ast.BranchStmt:
		// continue goes back to the top of the loop; break and goto leave
		// for statements not walked: nothing is claimed there.
		switch {
		case s.Label != nil || w.inSwitch > 0:
		case s.Tok == token.CONTINUE && w.onContinue != nil:
			w.onContinue(s)
		case s.Tok == token.BREAK && w.onBreak != nil:
			w.onBreak(s)
		}
		return terminated
	case *ast.GoStmt, *ast.DeferStmt:
	default:
		w.node(s)
	}
	return held
}

// branches walks the cases of a switch or select.
func (w *walker) branches(s ast.Stmt) state {
	var body *ast.BlockStmt
	switch s := s.(type) {
	case *ast.SwitchStmt:
		body = s.Body
		w.node(s.Tag)
	case *ast.TypeSwitchStmt:
		body = s.Body
	case *ast.SelectStmt:
		body = s.Body
	}
	var rs []state
	dflt := false
	w.inSwitch++
	defer func() { w.inSwitch-- }()
	for _, c := range body.List {
		switch c := c.(type) {
		case *ast.CaseClause:
			dflt = dflt || c.List == nil
			rs = append(rs, w.list(c.Body))
		case *ast.CommClause:
			dflt = dflt || c.Comm == nil
			rs = append(rs, w.list(c.Body))
		}
	}
	if _, ok := s.(*ast.SelectStmt); !ok && !dflt {
		rs = append(rs, held)
	}
	if len(rs) == 0 {
		return held
	}
	r := rs[0]
	for _, x := range rs[1:] {
		r = join(r, x)
	}
	return r
}

// join is the state after two branches.
func join(a, b state) state {
	switch {
	case a == held || b == held:
		return held
	case a == released || b == released:
		return released
	}
	return terminated
}

// dynamicCalls records the dynamic calls of a node made while a mutex is
// held: a call through an interface or a function value runs code the
// function does not control, and a panic there leaves the mutex locked.
func (a *analyser) dynamicCalls(n ast.Node, key, what string, from int) {
	ast.Inspect(n, func(n ast.Node) bool {
		if _, ok := n.(*ast.FuncLit); ok {
			return false
		}
		c, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		if name, ok := a.dynamic(c.Fun); ok {
			a.site(LockPanic, c.Pos(), key, from,
				"calls "+name+" with "+what+" locked and the Unlock not deferred: code this function does not control runs under the lock, and if it panics, "+what+" stays locked for good")
		}
		return true
	})
}

// dynamic reports a call through an interface-typed or func-typed field or
// parameter, and names it.
func (a *analyser) dynamic(fun ast.Expr) (string, bool) {
	switch f := fun.(type) {
	case *ast.SelectorExpr:
		// x.field.Method(): the field holds an interface.
		if inner, ok := f.X.(*ast.SelectorExpr); ok && a.dyn["field."+inner.Sel.Name] {
			return exprString(f), true
		}
		// x.field(): the field holds a function.
		if a.dyn["field."+f.Sel.Name] {
			return exprString(f), true
		}
		// p.Method() on an interface parameter.
		if id, ok := f.X.(*ast.Ident); ok && a.params[id.Name] {
			return exprString(f), true
		}
	case *ast.Ident:
		if a.params[f.Name] {
			return f.Name, true
		}
	}
	return "", false
}

func isPanic(e ast.Expr) bool {
	c, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	id, ok := c.Fun.(*ast.Ident)
	return ok && id.Name == "panic"
}

// exprString writes a simple expression back: "l.mu", "l.journal.Append".
func exprString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return exprString(e.X) + "." + e.Sel.Name
	case *ast.StarExpr:
		return "*" + exprString(e.X)
	case *ast.ParenExpr:
		return "(" + exprString(e.X) + ")"
	case *ast.UnaryExpr:
		return e.Op.String() + exprString(e.X)
	case *ast.CallExpr:
		return exprString(e.Fun) + "()"
	case *ast.IndexExpr:
		return exprString(e.X) + "[…]"
	}
	return "…"
}
