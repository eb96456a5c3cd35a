package cause

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

// sites writes a package's sites as "kind line key" for the table.
func sites(p *Package) []string {
	var out []string
	for _, s := range p.Sites {
		out = append(out, fmt.Sprintf("%d %d %s", s.Kind, s.Line, s.Key))
	}
	return out
}

// src numbers nothing: each case's source starts with "package p" on line 1.
func TestSites(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // "kind line key"
	}{
		{name: "a return and an interface call between a Lock and its Unlock", src: `package p
type J interface{ Append() error }
type L struct{ mu sync.Mutex; j J; n int }
func (l *L) T(bad bool) error {
	l.mu.Lock()
	if bad {
		l.mu.Unlock()
		return nil
	}
	if l.n < 0 {
		return errNeg
	}
	if err := l.j.Append(); err != nil {
		l.mu.Unlock()
		return err
	}
	l.mu.Unlock()
	return nil
}`, want: []string{"1 11 L.mu", "2 13 L.mu"}},
		{name: "a mutex reached through a field is keyed by the field's type", src: `package p
type Client struct{ mu sync.RWMutex; cancel func() }
type remote struct{ client *Client }
func (r *remote) acquire() error {
	r.client.mu.RLock()
	if r.client.cancel == nil {
		return errClosed
	}
	r.client.mu.RUnlock()
	return nil
}`, want: []string{"1 7 Client.mu"}},
		{name: "a continue with the lock held", src: `package p
func (p *P) Run() {
	for i := 0; i < 2; i++ {
		p.mu.Lock()
		if _, err := dial(); err != nil {
			continue
		}
		if i == 0 {
			break
		}
	}
	p.mu.Unlock()
}`, want: []string{"1 6 P.mu"}},
		{name: "a break out of the loop with the lock held, and the function ends", src: `package p
func (g *G) manage() {
	for {
		g.mu.Lock()
		if g.closed {
			break
		}
		g.mu.Unlock()
	}
}`, want: []string{"1 6 G.mu"}},
		{name: "a break out of the loop with the lock held, unlocked after the loop", src: `package p
func (g *G) manage() {
	for {
		g.mu.Lock()
		if g.closed {
			break
		}
		g.mu.Unlock()
	}
	g.mu.Unlock()
}`},
		{name: "a deferred Unlock is no cause", src: `package p
func (l *L) T() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n < 0 {
		return errNeg
	}
	return nil
}`},
		{name: "an Unlock deferred through a helper is deferred", src: `package p
func (l *L) T() {
	l.mu.Lock()
	unlock := func() { l.mu.Unlock() }
	defer func() { unlock() }()
	if l.cp != nil {
		return
	}
}`},
		{name: "returns that skip Body.Close, not the error check's", src: `package p
func get(c *http.Client, u string) error {
	resp, err := c.Get(u)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 {
		return errStatus
	}
	defer resp.Body.Close()
	return nil
}`, want: []string{"5 8 resp"}},
		{name: "a response handed on is not claimed", src: `package p
func get(c *http.Client, u string) (*http.Response, error) {
	resp, err := c.Get(u)
	if err != nil {
		return nil, err
	}
	return resp, nil
}`},
		{name: "Add inside the goroutine, and a return after it that skips Done", src: `package p
func f(xs []int) {
	var wg sync.WaitGroup
	for range xs {
		go func() {
			wg.Add(1)
			if bad() {
				return
			}
			wg.Done()
		}()
	}
	wg.Wait()
}`, want: []string{"3 6 wg", "4 8 wg"}},
		{name: "a select that gives up on cancellation: the receiver is gone, the goroutines still run", src: `package p
func f(ctx context.Context) int {
	ch := make(chan int)
	go func() { ch <- work() }()
	select {
	case v := <-ch:
		return v
	case <-ctx.Done():
		return 0
	}
}`, want: []string{"6 9 ch", "7 9 f"}},
		{name: "a select run once that gives up on a timeout without returning", src: `package p
func finish(timeout time.Duration, fn func() error) {
	errCh := make(chan error)
	go func() { errCh <- fn() }()
	select {
	case <-errCh:
	case <-time.After(timeout):
	}
}`, want: []string{"6 7 errCh", "7 7 finish"}},
		{name: "a buffered channel is no receiver-gone cause", src: `package p
func f(ctx context.Context) int {
	ch := make(chan int, 1)
	var wg sync.WaitGroup
	wg.Wait()
	go func() { ch <- work() }()
	select {
	case v := <-ch:
		return v
	case <-time.After(time.Second):
		return 0
	}
}`},
		{name: "an Add never matched by a Done", src: `package p
func (s *S) Start() {
	s.drain.Add(1)
}
func (s *S) Stop() {
	s.drain.Wait()
}`, want: []string{"8 3 S.drain"}},
		{name: "a range over a channel nothing closes", src: `package p
type Bus struct{ queue chan int }
func (b *Bus) dispatch() {
	for ev := range b.queue {
		_ = ev
	}
}
func (s *Sub) run() {
	for ev := range s.feed {
		_ = ev
	}
}
func (s *Sub) stop() { close(s.feed) }`, want: []string{"9 4 Bus.queue"}},
		{name: "a loop that returns before receiving every value", src: `package p
func f(n int) error {
	errs := make(chan error)
	for range n {
		go func() { errs <- work() }()
	}
	for range n {
		if err := <-errs; err != nil {
			return err
		}
	}
	return nil
}`, want: []string{"6 9 errs"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Helper()
			got := sites(Source("p.go", []byte(tt.src)))
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("sites = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestLoad reads a package folder: test files are left out, and the ops and
// regions say what is at a line.
func TestLoad(t *testing.T) {
	fsys := fstest.MapFS{
		"k/k.go":      {Data: []byte("package k\nfunc (l *L) T() {\n\tl.mu.Lock()\n\tif l.n < 0 {\n\t\treturn\n\t}\n\tl.mu.Unlock()\n}\n")},
		"k/k_test.go": {Data: []byte("package k\nfunc (l *L) X() {\n\tl.mu.Lock()\n\treturn\n}\n")},
	}
	p, err := Load(fsys, "k")
	if err != nil {
		t.Fatal(err)
	}
	if got := sites(p); len(got) != 1 || got[0] != "1 5 L.mu" {
		t.Errorf("sites = %q, want the return at line 5 only", got)
	}
	if ops := p.OpsAt("k/k.go", 3); len(ops) != 1 || ops[0] != (Op{What: "lock", Key: "L.mu"}) {
		t.Errorf("ops at 3 = %v", ops)
	}
	if got := p.FuncAt("k/k.go", 5); got != "(*L).T" {
		t.Errorf("FuncAt = %q", got)
	}
	if rs := p.RegionsAt("k/k.go", 4); len(rs) != 1 || rs[0].Key != "L.mu" {
		t.Errorf("regions at 4 = %v", rs)
	}
	if _, err := Load(fsys, "missing"); err == nil {
		t.Error("Load of a missing folder: no error")
	}
}

// FuzzSource checks the analysis never panics, whatever the source.
func FuzzSource(f *testing.F) {
	f.Add("package p\nfunc f() { mu.Lock(); if x { return }; mu.Unlock() }")
	f.Add("package p\nfunc f() { go func() { wg.Add(1); defer wg.Done() }() }")
	f.Add("package p\nfunc f() { select { case <-ctx.Done(): return; case v := <-ch: _ = v } }")
	f.Add("package p\nfunc (x *T[K]) f() { r, err := c.Do(q); if err != nil { return }; return }")
	f.Fuzz(func(t *testing.T, src string) {
		p := Source("f.go", []byte(src))
		for _, s := range p.Sites {
			if s.Line <= 0 || s.Why == "" {
				t.Fatalf("bad site %+v", s)
			}
		}
	})
}
