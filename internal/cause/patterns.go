package cause

import (
	"go/ast"
	"strconv"
)

// response looks at one statement: "resp, err := x.Do(req)" (or Get, Post,
// Head, PostForm) followed by paths that return without closing its body.
func (a *analyser) response(s ast.Stmt, rest []ast.Stmt) {
	as, ok := s.(*ast.AssignStmt)
	if !ok || len(as.Lhs) != 2 || len(as.Rhs) != 1 {
		return
	}
	if _, name, ok := methodCall(as.Rhs[0], "Do", "Get", "Post", "Head", "PostForm"); !ok || name == "" {
		return
	}
	id, ok := as.Lhs[0].(*ast.Ident)
	if !ok || id.Name == "_" {
		return
	}
	r := id.Name
	errName := keyOf(as.Lhs[1])
	from := a.line(s.Pos())
	// The error check right after: the response is nil there.
	if len(rest) > 0 {
		if ifs, ok := rest[0].(*ast.IfStmt); ok && ifs.Init == nil && mentions(ifs.Cond, errName) {
			rest = rest[1:]
		}
	}
	w := &walker{a: a}
	w.release = func(s ast.Stmt) bool { return closesBody(s, r) || handsOn(s, r) }
	w.onReturn = func(n ast.Node) {
		a.site(BodyUnclosed, n.Pos(), r, from,
			"returns without closing "+r+".Body (the response obtained at line "+strconv.Itoa(from)+"): its connection and the goroutines serving it stay open")
	}
	w.list(rest)
}

// mentions reports whether an expression uses the name.
func mentions(e ast.Node, name string) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Name == name {
			found = true
		}
		return !found
	})
	return found
}

// simple reports statements that are not compound: what they do happens on
// every path through them.
func simple(s ast.Stmt) bool {
	switch s.(type) {
	case *ast.ExprStmt, *ast.DeferStmt, *ast.AssignStmt, *ast.ReturnStmt, *ast.SendStmt, *ast.GoStmt, *ast.DeclStmt:
		return true
	}
	return false
}

// closesBody reports "r.Body.Close()", deferred or not, or a deferred
// function that does it.
func closesBody(s ast.Stmt, r string) bool {
	if !simple(s) {
		return false
	}
	found := false
	ast.Inspect(s, func(n ast.Node) bool {
		if x, _, ok := methodCall(asExpr(n), "Close"); ok {
			if sel, ok := x.(*ast.SelectorExpr); ok && sel.Sel.Name == "Body" && keyOf(sel.X) == r {
				found = true
			}
		}
		return !found
	})
	return found
}

// handsOn reports a statement that passes the response itself on (returns
// it, stores it, gives it to a function): closing it is then someone else's
// job, and nothing is claimed.
func handsOn(s ast.Stmt, r string) bool {
	if !simple(s) {
		return false
	}
	found := false
	var parent ast.Node
	ast.Inspect(s, func(n ast.Node) bool {
		if n == nil {
			return false
		}
		if id, ok := n.(*ast.Ident); ok && id.Name == r {
			if sel, ok := parent.(*ast.SelectorExpr); !ok || sel.X != id {
				if as, ok := s.(*ast.AssignStmt); !ok || !isLHS(as, id) {
					found = true
				}
			}
		}
		parent = n
		return !found
	})
	return found
}

func isLHS(as *ast.AssignStmt, id *ast.Ident) bool {
	for _, l := range as.Lhs {
		if l == id {
			return true
		}
	}
	return false
}

// goroutines looks at each goroutine started with a function literal: a
// WaitGroup.Add inside it, returns before a Done that is not deferred.
func (a *analyser) goroutines(b *ast.BlockStmt) {
	ast.Inspect(b, func(n ast.Node) bool {
		g, ok := n.(*ast.GoStmt)
		if !ok {
			return true
		}
		lit, ok := g.Call.Fun.(*ast.FuncLit)
		if !ok {
			return true
		}
		goLine := a.line(g.Pos())
		done := map[string]bool{}     // keys with a Done in the goroutine
		deferred := map[string]bool{} // keys with a deferred Done
		for _, s := range lit.Body.List {
			if x, _, ok := methodCall(stmtCall(s), "Done"); ok {
				done[a.key(x)] = true
				if isDefer(s) {
					deferred[a.key(x)] = true
				}
			}
		}
		inspectOwn(lit.Body, func(n ast.Node) {
			if x, _, ok := methodCall(asExpr(n), "Add"); ok && done[a.key(x)] {
				k := a.key(x)
				a.site(AddInGoroutine, n.Pos(), k, goLine,
					k+".Add runs inside the goroutine it counts (started at line "+strconv.Itoa(goLine)+"): "+k+".Wait can return before it runs")
			}
		})
		for k := range done {
			if deferred[k] {
				continue
			}
			w := &walker{a: a}
			w.release = func(s ast.Stmt) bool {
				x, _, ok := methodCall(stmtCall(s), "Done")
				return ok && a.key(x) == k
			}
			w.onReturn = func(n ast.Node) {
				a.site(DoneSkipped, n.Pos(), k, goLine,
					"the goroutine started at line "+strconv.Itoa(goLine)+" returns here without calling "+k+".Done (not deferred): "+k+".Wait waits for ever")
			}
			// With the Add inside the goroutine, only the returns after it
			// skip a Done that was counted.
			stmts := lit.Body.List
			for i, s := range stmts {
				if x, _, ok := methodCall(stmtCall(s), "Add"); ok && a.key(x) == k {
					stmts = stmts[i+1:]
					break
				}
			}
			w.list(stmts)
		}
		return true
	})
}

// asExpr returns n as an expression, or nil.
func asExpr(n ast.Node) ast.Expr {
	e, _ := n.(ast.Expr)
	return e
}

// inspectOwn visits the nodes of a body without entering function literals.
func inspectOwn(n ast.Node, visit func(ast.Node)) {
	ast.Inspect(n, func(n ast.Node) bool {
		if n == nil {
			return false
		}
		if _, ok := n.(*ast.FuncLit); ok {
			return false
		}
		visit(n)
		return true
	})
}

// cancelReturns looks for the returns that give up waiting: in a select, a
// case on ctx.Done(), time.After or a timer whose body returns; in a loop
// that receives from a channel, a return before the loop ends.
func (a *analyser) cancelReturns(b *ast.BlockStmt) {
	firstGo, goLines := 0, []int{}
	waits := []int{}
	inspectOwn(b, func(n ast.Node) {
		switch n := n.(type) {
		case *ast.GoStmt:
			goLines = append(goLines, a.line(n.Pos()))
		case *ast.CallExpr:
			if _, _, ok := methodCall(n, "Go"); ok {
				goLines = append(goLines, a.line(n.Pos()))
			}
			if _, _, ok := methodCall(n, "Wait"); ok {
				waits = append(waits, a.line(n.Pos()))
			}
		}
	})
	if len(goLines) > 0 {
		firstGo = goLines[0]
	}
	inLoop := map[*ast.SelectStmt]bool{}
	inspectOwn(b, func(n ast.Node) {
		body := loopBody(n)
		if body == nil {
			return
		}
		inspectOwn(body, func(n ast.Node) {
			if sel, ok := n.(*ast.SelectStmt); ok {
				inLoop[sel] = true
			}
		})
	})
	inspectOwn(b, func(n ast.Node) {
		switch n := n.(type) {
		case *ast.SelectStmt:
			a.selectReturns(n, firstGo, waits, inLoop[n])
		case *ast.ForStmt:
			a.loopReturns(n.Body)
		case *ast.RangeStmt:
			a.loopReturns(n.Body)
		}
	})
}

// selectReturns handles one select: see cancelReturns.
// A select run once (not in a loop) whose give-up case does not return
// still gives up: the case itself is the site.
func (a *analyser) selectReturns(sel *ast.SelectStmt, firstGo int, waits []int, inLoop bool) {
	var recvKeys []string
	for _, c := range sel.Body.List {
		cc := c.(*ast.CommClause)
		if k := recvKey(cc.Comm); k != "" && !giveUp(cc.Comm) {
			recvKeys = append(recvKeys, k)
		}
	}
	for _, c := range sel.Body.List {
		cc := c.(*ast.CommClause)
		if !giveUp(cc.Comm) {
			continue
		}
		why := "on cancellation"
		if !isDoneCall(cc.Comm) {
			why = "on a timeout"
		}
		sites := func(at ast.Node, verb string) {
			line := a.line(at.Pos())
			for _, k := range recvKeys {
				if a.unbuffered[k] {
					a.site(ReceiverGone, at.Pos(), k, a.line(cc.Pos()),
						verb+" "+why+" and stops receiving from "+k+": a goroutine still to send on it blocks for ever ("+k+" is unbuffered)")
				}
			}
			if firstGo > 0 && firstGo < line && !waitedBefore(waits, a.line(sel.Pos())) {
				a.site(ReturnLeaves, at.Pos(), a.fn, firstGo,
					verb+" "+why+" while the goroutines started at line "+strconv.Itoa(firstGo)+" still run: nothing waits for them")
			}
		}
		returned := false
		inspectOwn(&ast.BlockStmt{List: cc.Body}, func(n ast.Node) {
			if r, ok := n.(*ast.ReturnStmt); ok {
				returned = true
				sites(r, "returns")
			}
		})
		if !returned && !inLoop {
			sites(cc, "gives up")
		}
	}
}

// waitedBefore reports a Wait call of the function itself before line.
func waitedBefore(waits []int, line int) bool {
	for _, w := range waits {
		if w < line {
			return true
		}
	}
	return false
}

// loopReturns finds returns in a loop that receives from an unbuffered
// channel: the senders of the values not yet received block for ever.
func (a *analyser) loopReturns(body *ast.BlockStmt) {
	var keys []string
	recvLine := 0
	inspectOwn(body, func(n ast.Node) {
		if u, ok := n.(*ast.UnaryExpr); ok && u.Op.String() == "<-" {
			if k := keyOf(u.X); k != "" && a.unbuffered[k] {
				keys = append(keys, k)
				if recvLine == 0 {
					recvLine = a.line(u.Pos())
				}
			}
		}
	})
	if len(keys) == 0 {
		return
	}
	inspectOwn(body, func(n ast.Node) {
		r, ok := n.(*ast.ReturnStmt)
		if !ok || a.line(r.Pos()) < recvLine {
			return
		}
		for _, k := range keys {
			a.site(ReceiverGone, r.Pos(), k, recvLine,
				"returns from the loop receiving from "+k+" before every value was received: the goroutines still to send on it block for ever ("+k+" is unbuffered)")
		}
	})
}

// received is the channel a select case's statement receives from
// (`<-ch` or `v := <-ch`); nil when it does not receive.
func received(s ast.Stmt) ast.Expr {
	var e ast.Expr
	switch s := s.(type) {
	case *ast.ExprStmt:
		e = s.X
	case *ast.AssignStmt:
		if len(s.Rhs) == 1 {
			e = s.Rhs[0]
		}
	}
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op.String() == "<-" {
		return u.X
	}
	return nil
}

// recvKey names the channel a select case receives from.
func recvKey(s ast.Stmt) string {
	ch := received(s)
	if ch == nil {
		return ""
	}
	return keyOf(ch)
}

// giveUp reports a select case that receives from ctx.Done(), time.After,
// or a timer's or ticker's channel.
func giveUp(s ast.Stmt) bool {
	ch := received(s)
	if ch == nil {
		return false
	}
	if _, name, ok := methodCall(ch, "Done", "After"); ok && name != "" {
		return true
	}
	if sel, ok := ch.(*ast.SelectorExpr); ok && sel.Sel.Name == "C" {
		return true
	}
	return false
}

func isDoneCall(s ast.Stmt) bool {
	found := false
	ast.Inspect(s, func(n ast.Node) bool {
		if _, name, ok := methodCall(asExpr(n), "Done"); ok && name == "Done" {
			found = true
		}
		return !found
	})
	return found
}
