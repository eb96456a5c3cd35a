package cause

import (
	"fmt"
	"strings"
	"testing"
)

// TestSmells: each pattern the diagnosis names next to a leak or a failed
// assertion, and the code that looks alike but is right.
func TestSmells(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // "kind line key", patterns of smells.go only
	}{
		{name: "a handler's goroutines: with r.Context(), with no owner; a counted one and a Shutdown that waits are right", src: `package p
func (s *S) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	go s.record(r.Context(), o)
	go s.confirm(o)
}
func (s *S) Shutdown(ctx context.Context) error {
	return nil
}
func (s *T) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.wg.Add(1)
	go s.confirm(o)
}
func (s *T) Shutdown(ctx context.Context) error {
	s.wg.Wait()
	return nil
}`, want: []string{fmt.Sprint(RequestContextGo, " 3 "), fmt.Sprint(HandlerGoNoOwner, " 4 "), fmt.Sprint(ShutdownAtOnce, " 7 ")}},
		{name: "a thrown-away cancel and errgroup context", src: `package p
func f(ctx context.Context) {
	ctx, _ = context.WithTimeout(ctx, time.Second)
	g, _ := errgroup.WithContext(ctx)
	v, cancel := context.WithCancel(ctx)
	defer cancel()
	w, _ := context.WithValue(ctx, k, 1), 2
}`, want: []string{fmt.Sprint(CancelDropped, " 3 "), fmt.Sprint(CancelDropped, " 4 ")}},
		{name: "GOMAXPROCS set and NumCPU sizing; reading GOMAXPROCS(0) is right", src: `package p
func f() {
	runtime.GOMAXPROCS(8)
	slots := make(chan struct{}, runtime.NumCPU())
	n := runtime.GOMAXPROCS(0)
}`, want: []string{fmt.Sprint(GomaxprocsSet, " 3 "), fmt.Sprint(NumCPUSized, " 4 ")}},
		{name: "a goroutine per item waiting for a semaphore; one sending its result is not", src: `package p
func f(items []int, slots chan struct{}, out chan int) {
	for _, it := range items {
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			work(it)
		}()
		go func() { out <- it }()
	}
}`, want: []string{fmt.Sprint(GoPerItem, " 4 slots")}},
		{name: "a send given up by default; a spin on default; a blocking select is neither", src: `package p
func f(ch chan int, ctx context.Context) {
	select {
	case ch <- 1:
	default:
	}
	for {
		select {
		case <-ctx.Done():
			return
		default:
			poll()
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case v := <-ch:
			_ = v
		}
	}
}`, want: []string{fmt.Sprint(SendDropped, " 5 "), fmt.Sprint(SpinDefault, " 11 "),
			// Not wrong in itself: named only next to an assertion about work done after cancellation.
			fmt.Sprint(NoPriority, " 17 ")}},
		{name: "closed channels kept in a select by a flag, flags that start open, no priority for ctx", src: `package p
func f(ctx context.Context, a, b <-chan int) {
	aOpen, bOpen := true, true
	for aOpen || bOpen {
		select {
		case <-ctx.Done():
			return
		case v, ok := <-a:
			if !ok {
				aOpen = false
				continue
			}
		case v, ok := <-b:
			if !ok {
				b = nil
				bOpen = false
			}
		}
	}
}`, want: []string{fmt.Sprint(NilStartsOpen, " 3 a"), fmt.Sprint(NoPriority, " 6 "), fmt.Sprint(ClosedInSelect, " 10 a")}},
		{name: "a looping goroutine with no way to stop it; one given ctx can stop", src: `package p
func f(ctx context.Context, q Q) {
	go renew(q)
	go renewCtx(ctx, q)
}
func renew(q Q) { for range time.Tick(1) { q.Renew() } }
func renewCtx(ctx context.Context, q Q) { for range time.Tick(1) { q.Renew() } }`, want: []string{fmt.Sprint(GoNoStop, " 3 ")}},
		{name: "a return between Go and Wait, in the loop that starts them; one before any Go is fine", src: `package p
func f(ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	var g errgroup.Group
	for _, id := range ids {
		if id == "" {
			return errBad
		}
		g.Go(func() error { return get(id) })
	}
	return g.Wait()
}`, want: []string{fmt.Sprint(WaitSkipped, " 9 ")}},
		{name: "a panic inside Once.Do, Cond.Wait in an if, Signal on Close", src: `package p
func (p *P) connect() {
	if err := dial(); err != nil {
		panic(err)
	}
}
func (p *P) Get() {
	p.once.Do(p.connect)
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle) == 0 {
		p.cond.Wait()
	}
	for len(p.idle) == 0 {
		p.cond.Wait()
	}
}
func (p *P) Put() { p.cond.Signal() }
func (p *P) Close() { p.cond.Signal() }`, want: []string{fmt.Sprint(PanicInOnce, " 4 "), fmt.Sprint(PanicInOnce, " 8 "),
			fmt.Sprint(WaitInIf, " 11 P.cond"), fmt.Sprint(SignalOne, " 19 P.cond")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, s := range Source("p.go", []byte(tt.src)).Sites {
				if s.Kind >= CancelDropped {
					got = append(got, fmt.Sprintf("%d %d %s", s.Kind, s.Line, s.Key))
				}
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("sites = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestAssertionWords: only the patterns without a blocked goroutine of
// their own have words.
func TestAssertionWords(t *testing.T) {
	for _, k := range []Kind{LockReturn, DoneSkipped, BodyUnclosed, ReceiverGone, ReturnLeaves, GoNoStop, SignalOne} {
		if w := AssertionWords(k); w != nil {
			t.Errorf("AssertionWords(%d) = %q, want none", k, w)
		}
	}
	for _, k := range []Kind{CancelDropped, GomaxprocsSet, NumCPUSized, GoPerItem, SendDropped, SpinDefault, ClosedInSelect, NilStartsOpen, NoPriority, WaitSkipped, PanicInOnce, WaitInIf} {
		if len(AssertionWords(k)) == 0 {
			t.Errorf("AssertionWords(%d) is empty", k)
		}
	}
}
