// Package cause reads a package's source (go/parser and go/ast only, no type
// checking, so it works on code that does not compile and costs a few
// milliseconds) and lists the lines that commonly cause the concurrency bugs
// the detectors report: a lock released by hand that some path never
// releases, a response body some path never closes, a WaitGroup counted from
// inside the goroutine, a goroutine that returns before Done, a receiver
// that gives up and leaves its sender blocked, a function that returns on
// cancellation while its goroutines still run.
//
// It only names what it can see; the diagnosis decides which site explains
// which finding.
package cause

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Kind is the pattern a site belongs to.
type Kind int

// The patterns.
const (
	// LockReturn: a return while a mutex locked by hand is still held.
	LockReturn Kind = iota + 1
	// LockPanic: a call through an interface or a function value while a
	// mutex locked by hand is held: if it panics, the mutex stays locked.
	LockPanic
	// AddInGoroutine: WaitGroup.Add inside the goroutine it counts.
	AddInGoroutine
	// DoneSkipped: a return in a goroutine before its (not deferred) Done.
	DoneSkipped
	// BodyUnclosed: a return that leaves a response body open.
	BodyUnclosed
	// ReceiverGone: a receiver that may stop receiving (a select on
	// cancellation or a timer, an early return) while a goroutine still
	// sends on an unbuffered channel.
	ReceiverGone
	// ReturnLeaves: a function returns on cancellation while goroutines it
	// started still run.
	ReturnLeaves
	// AddNoDone: WaitGroup.Add on a WaitGroup the package never calls Done
	// (or Go) on: its Wait can never return.
	AddNoDone
	// RangeNoClose: a range over a channel the package never closes.
	RangeNoClose
)

// Site is one line that can cause a bug.
type Site struct {
	Kind Kind
	// File is the file's path as given to Load (dir/name.go).
	File string
	Line int
	// Func is the top-level function around the line: "(*Ledger).Transfer", "Run".
	Func string
	// Key names the primitive: the mutex, WaitGroup or channel (the last
	// element of its expression, "mu" for l.mu) or the response variable.
	Key string
	// From is the line of the statement the site relates to: the Lock, the
	// call that obtained the response, the go statement.
	From int
	// Why says in one phrase what goes wrong there.
	Why string
}

// Region is where a mutex is held: from its Lock to its Unlock (or to the
// end of the function with a deferred Unlock).
type Region struct {
	File     string
	Key      string
	Read     bool // RLock
	From, To int
	Deferred bool
}

// Op is a blocking operation found at a line.
type Op struct {
	// What is "lock", "rlock", "unlock", "send", "recv", "wait", "add", "go".
	What string
	Key  string
}

// Package is what was found in one package's non-test files.
type Package struct {
	Sites   []Site
	Regions []Region
	ops     map[string]map[int][]Op // file -> line -> ops
	funcs   []funcSpan
}

type funcSpan struct {
	file     string
	name     string
	from, to int
}

// Load parses the non-test .go files of dir in fsys and analyses them.
// Files that do not parse are skipped; a dir with no Go files gives an
// empty Package.
func Load(fsys fs.FS, dir string) (*Package, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	var files []*ast.File
	names := map[*ast.File]string{}
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		p := path.Join(dir, n)
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			continue
		}
		f, err := parser.ParseFile(fset, p, src, parser.SkipObjectResolution)
		if f == nil || err != nil && len(f.Decls) == 0 {
			continue
		}
		files = append(files, f)
		names[f] = p
	}
	return analyse(fset, files, names), nil
}

// Source analyses one file's source text, for tests and fuzzing.
func Source(name string, src []byte) *Package {
	fset := token.NewFileSet()
	f, _ := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
	if f == nil {
		return &Package{ops: map[string]map[int][]Op{}}
	}
	return analyse(fset, []*ast.File{f}, map[*ast.File]string{f: name})
}

func analyse(fset *token.FileSet, files []*ast.File, names map[*ast.File]string) *Package {
	p := &Package{ops: map[string]map[int][]Op{}}
	dyn := dynamicNames(files)
	unbuffered := unbufferedChans(files)
	fields := fieldTypes(files)
	decls := map[string]declAt{}
	for _, f := range files {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
				decls[fd.Name.Name] = declAt{fd: fd, file: names[f]}
			}
		}
	}
	for _, f := range files {
		a := &analyser{p: p, fset: fset, file: names[f], dyn: dyn, unbuffered: unbuffered, fields: fields}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			a.fn = funcName(fd)
			a.recv, a.recvType = receiver(fd)
			a.params = dynamicParams(fd.Type, dyn)
			p.funcs = append(p.funcs, funcSpan{file: a.file, name: a.fn, from: a.line(fd.Pos()), to: a.line(fd.End())})
			a.body(fd.Body)
			a.smells(fd, decls)
		}
	}
	addsWithoutDone(p, fset, files, names, fields)
	rangesWithoutClose(p, fset, files, names, fields)
	// A return found twice (in a loop and in its select) keeps the later,
	// more precise site.
	last := map[Site]int{}
	for i, s := range p.Sites {
		last[Site{Kind: s.Kind, File: s.File, Line: s.Line, Key: s.Key}] = i
	}
	var sites []Site
	for i, s := range p.Sites {
		if last[Site{Kind: s.Kind, File: s.File, Line: s.Line, Key: s.Key}] == i {
			sites = append(sites, s)
		}
	}
	p.Sites = sites
	sort.SliceStable(p.Sites, func(i, j int) bool {
		if p.Sites[i].File != p.Sites[j].File {
			return p.Sites[i].File < p.Sites[j].File
		}
		return p.Sites[i].Line < p.Sites[j].Line
	})
	return p
}

// funcName writes a declaration's name as the runtime does, without the
// package: "(*Ledger).Transfer", "Ledger.Balance", "Run".
func funcName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	t := fd.Recv.List[0].Type
	if ix, ok := t.(*ast.IndexExpr); ok {
		t = ix.X
	}
	if ix, ok := t.(*ast.IndexListExpr); ok {
		t = ix.X
	}
	switch t := t.(type) {
	case *ast.StarExpr:
		x := t.X
		if ix, ok := x.(*ast.IndexExpr); ok {
			x = ix.X
		}
		if ix, ok := x.(*ast.IndexListExpr); ok {
			x = ix.X
		}
		if id, ok := x.(*ast.Ident); ok {
			return "(*" + id.Name + ")." + fd.Name.Name
		}
	case *ast.Ident:
		return t.Name + "." + fd.Name.Name
	}
	return fd.Name.Name
}

// receiver returns the receiver's name and type name of a method.
func receiver(fd *ast.FuncDecl) (string, string) {
	if fd.Recv == nil || len(fd.Recv.List) == 0 || len(fd.Recv.List[0].Names) == 0 {
		return "", ""
	}
	name := fd.Recv.List[0].Names[0].Name
	t := funcName(fd)
	t = strings.TrimPrefix(strings.TrimSuffix(t[:strings.LastIndex(t, ".")], ")"), "(*")
	return name, t
}

// key names a primitive for matching: "Ledger.mu" for l.mu in a method of
// *Ledger, and for c.ledger.mu when the field ledger is a *Ledger (so two
// types' "mu" fields stay apart); "Ledger" for a Ledger that embeds its
// mutex; else keyOf's name.
func (a *analyser) key(e ast.Expr) string {
	if t := a.typeOf(e); t != "" && a.fields[t] != nil {
		return t // a struct of the package: its embedded mutex
	}
	if sel, ok := e.(*ast.SelectorExpr); ok {
		if t := a.typeOf(sel.X); t != "" {
			return t + "." + sel.Sel.Name
		}
	}
	return keyOf(e)
}

// typeOf names the package type of a receiver or of a chain of its fields
// ("" when it cannot be told without type checking).
func (a *analyser) typeOf(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		if a.recv != "" && e.Name == a.recv {
			return a.recvType
		}
	case *ast.SelectorExpr:
		if t := a.typeOf(e.X); t != "" {
			return a.fields[t][e.Sel.Name]
		}
	case *ast.ParenExpr:
		return a.typeOf(e.X)
	}
	return ""
}

// fieldTypes maps each struct type of the package to its fields' type
// names (pointers dereferenced; "" for types that are not a plain name).
func fieldTypes(files []*ast.File) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return true
			}
			m := map[string]string{}
			for _, fld := range st.Fields.List {
				t := fld.Type
				if star, ok := t.(*ast.StarExpr); ok {
					t = star.X
				}
				name := ""
				if id, ok := t.(*ast.Ident); ok {
					name = id.Name
				}
				for _, n := range fld.Names {
					m[n.Name] = name
				}
			}
			out[ts.Name.Name] = m
			return true
		})
	}
	return out
}

// FuncAt returns the top-level function whose declaration holds file:line.
func (p *Package) FuncAt(file string, line int) string {
	for _, f := range p.funcs {
		if f.file == file && f.from <= line && line <= f.to {
			return f.name
		}
	}
	return ""
}

// OpsAt returns the blocking operations written at file:line.
func (p *Package) OpsAt(file string, line int) []Op { return p.ops[file][line] }

// UnlockedBefore reports an Unlock (or RUnlock) of the mutex key in the
// function around file:line, before that line: a function that releases a
// lock its caller holds and takes it again.
func (p *Package) UnlockedBefore(file string, line int, key string) bool {
	for _, f := range p.funcs {
		if f.file != file || line < f.from || line > f.to {
			continue
		}
		for l := f.from; l < line; l++ {
			for _, op := range p.ops[file][l] {
				if op.What == "unlock" && op.Key == key {
					return true
				}
			}
		}
	}
	return false
}

// RegionsAt returns the regions of file that hold line.
func (p *Package) RegionsAt(file string, line int) []Region {
	var out []Region
	for _, r := range p.Regions {
		if r.File == file && r.From <= line && line <= r.To {
			out = append(out, r)
		}
	}
	return out
}

// keyOf names a primitive by the last element of its expression: "mu" for
// l.mu, s.mu and mu; "" for anything else.
func keyOf(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return e.Sel.Name
	case *ast.ParenExpr:
		return keyOf(e.X)
	case *ast.StarExpr:
		return keyOf(e.X)
	case *ast.UnaryExpr:
		return keyOf(e.X)
	case *ast.IndexExpr:
		return keyOf(e.X)
	}
	return ""
}

// methodCall matches "X.name(...)" and returns X.
func methodCall(e ast.Expr, names ...string) (ast.Expr, string, bool) {
	c, ok := e.(*ast.CallExpr)
	if !ok {
		return nil, "", false
	}
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok {
		return nil, "", false
	}
	for _, n := range names {
		if sel.Sel.Name == n {
			return sel.X, n, true
		}
	}
	return nil, "", false
}

// stmtCall returns the call of an expression statement or a defer.
func stmtCall(s ast.Stmt) ast.Expr {
	switch s := s.(type) {
	case *ast.ExprStmt:
		return s.X
	case *ast.DeferStmt:
		return s.Call
	}
	return nil
}

// dynamicNames collects the names of the package's struct fields whose type
// is an interface or a function, and of its interface and func types.
func dynamicNames(files []*ast.File) map[string]bool {
	types := map[string]bool{}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			if ts, ok := n.(*ast.TypeSpec); ok {
				switch ts.Type.(type) {
				case *ast.InterfaceType, *ast.FuncType:
					types[ts.Name.Name] = true
				}
			}
			return true
		})
	}
	out := map[string]bool{}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			st, ok := n.(*ast.StructType)
			if !ok {
				return true
			}
			for _, fld := range st.Fields.List {
				if isDynamic(fld.Type, types) {
					for _, name := range fld.Names {
						out["field."+name.Name] = true
					}
				}
			}
			return true
		})
	}
	for t := range types {
		out["type."+t] = true
	}
	return out
}

func isDynamic(t ast.Expr, types map[string]bool) bool {
	switch t := t.(type) {
	case *ast.InterfaceType, *ast.FuncType:
		return true
	case *ast.Ident:
		return types[t.Name]
	case *ast.SelectorExpr:
		// Well-known interfaces of the standard library.
		if x, ok := t.X.(*ast.Ident); ok {
			switch x.Name + "." + t.Sel.Name {
			case "io.Reader", "io.Writer", "io.ReadCloser", "io.WriteCloser", "http.RoundTripper", "http.Handler", "net.Conn":
				return true
			}
		}
	}
	return false
}

// dynamicParams returns the parameters of a function whose type is an
// interface or a function.
func dynamicParams(ft *ast.FuncType, dyn map[string]bool) map[string]bool {
	types := map[string]bool{}
	for k := range dyn {
		if t, ok := strings.CutPrefix(k, "type."); ok {
			types[t] = true
		}
	}
	out := map[string]bool{}
	if ft.Params == nil {
		return out
	}
	for _, fld := range ft.Params.List {
		if isDynamic(fld.Type, types) {
			for _, n := range fld.Names {
				out[n.Name] = true
			}
		}
	}
	return out
}

// unbufferedChans collects the names given to channels made without a
// buffer ("ch := make(chan T)", "done: make(chan struct{})"); a name also
// given a buffered channel somewhere is left out.
func unbufferedChans(files []*ast.File) map[string]bool {
	un, buf := map[string]bool{}, map[string]bool{}
	record := func(name string, e ast.Expr) {
		c, ok := e.(*ast.CallExpr)
		if !ok || name == "" {
			return
		}
		if id, ok := c.Fun.(*ast.Ident); !ok || id.Name != "make" || len(c.Args) == 0 {
			return
		}
		if _, ok := c.Args[0].(*ast.ChanType); !ok {
			return
		}
		if len(c.Args) == 1 {
			un[name] = true
			return
		}
		if l, ok := c.Args[1].(*ast.BasicLit); ok && l.Value == "0" {
			un[name] = true
			return
		}
		buf[name] = true
	}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				for i, r := range n.Rhs {
					if i < len(n.Lhs) {
						record(keyOf(n.Lhs[i]), r)
					}
				}
			case *ast.ValueSpec:
				for i, r := range n.Values {
					if i < len(n.Names) {
						record(n.Names[i].Name, r)
					}
				}
			case *ast.KeyValueExpr:
				if id, ok := n.Key.(*ast.Ident); ok {
					record(id.Name, n.Value)
				}
			}
			return true
		})
	}
	for k := range buf {
		delete(un, k)
	}
	return un
}

// addsWithoutDone records the Add calls on a WaitGroup (by name) that the
// package never calls Done on.
func addsWithoutDone(p *Package, fset *token.FileSet, files []*ast.File, names map[*ast.File]string, fields map[string]map[string]string) {
	done := map[string]bool{}
	type add struct {
		file string
		pos  token.Pos
		key  string
		fn   string
	}
	var adds []add
	inEachFunc(files, fields, func(f *ast.File, fd *ast.FuncDecl, a *analyser, n ast.Node) {
		x, name, ok := methodCall(asExpr(n), "Add", "Done", "Go")
		if !ok {
			return
		}
		k := a.key(x)
		if name != "Add" {
			done[k] = true
		} else if c := n.(*ast.CallExpr); len(c.Args) == 1 && k != "" {
			if l, ok := c.Args[0].(*ast.BasicLit); ok && l.Value != "0" && !strings.HasPrefix(l.Value, "-") {
				adds = append(adds, add{names[f], c.Pos(), k, funcName(fd)})
			}
		}
	})
	for _, a := range adds {
		if done[a.key] {
			continue
		}
		line := fset.Position(a.pos).Line
		p.Sites = append(p.Sites, Site{Kind: AddNoDone, File: a.file, Line: line, Func: a.fn, Key: a.key, From: line,
			Why: a.key + ".Add counts a task here, and nothing in the package ever calls " + a.key + ".Done: " + a.key + ".Wait can never return"})
	}
}

// rangesWithoutClose records the range loops over a channel (by the name
// of its variable or field) that nothing in the package closes. Whether
// the ranged value is a channel is not known here: the diagnosis uses
// these sites only for a goroutine blocked receiving at that line. Closes
// are matched by bare name, so a close through another variable of the
// same field name counts: no claim rather than a false one.
func rangesWithoutClose(p *Package, fset *token.FileSet, files []*ast.File, names map[*ast.File]string, fields map[string]map[string]string) {
	closed := map[string]bool{}
	chans := map[string]bool{} // names declared or made as channels
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "close" && len(n.Args) == 1 {
					closed[keyOf(n.Args[0])] = true
				}
			case *ast.Field:
				if _, ok := n.Type.(*ast.ChanType); ok {
					for _, id := range n.Names {
						chans[id.Name] = true
					}
				}
			case *ast.ValueSpec:
				if _, ok := n.Type.(*ast.ChanType); ok {
					for _, id := range n.Names {
						chans[id.Name] = true
					}
				}
			case *ast.AssignStmt:
				for i, r := range n.Rhs {
					if c, ok := r.(*ast.CallExpr); ok && i < len(n.Lhs) && len(c.Args) > 0 {
						if _, ok := c.Args[0].(*ast.ChanType); ok {
							chans[keyOf(n.Lhs[i])] = true
						}
					}
				}
			case *ast.KeyValueExpr:
				if c, ok := n.Value.(*ast.CallExpr); ok && len(c.Args) > 0 {
					if _, ok := c.Args[0].(*ast.ChanType); ok {
						chans[keyOf(n.Key)] = true
					}
				}
			}
			return true
		})
	}
	inEachFunc(files, fields, func(f *ast.File, fd *ast.FuncDecl, a *analyser, n ast.Node) {
		r, ok := n.(*ast.RangeStmt)
		if !ok || keyOf(r.X) == "" || !chans[keyOf(r.X)] || closed[keyOf(r.X)] {
			return
		}
		k := a.key(r.X)
		line := fset.Position(r.Pos()).Line
		p.Sites = append(p.Sites, Site{Kind: RangeNoClose, File: names[f], Line: line, Func: funcName(fd), Key: k, From: line,
			Why: "ranges over " + exprString(r.X) + ", and nothing in the package ever closes it: the loop can only end if it is closed"})
	})
}

// inEachFunc calls visit for every node of every function body in files,
// with an analyser that knows the function's receiver.
func inEachFunc(files []*ast.File, fields map[string]map[string]string, visit func(f *ast.File, fd *ast.FuncDecl, a *analyser, n ast.Node)) {
	for _, f := range files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			a := &analyser{fields: fields}
			a.recv, a.recvType = receiver(fd)
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				visit(f, fd, a, n)
				return true
			})
		}
	}
}
