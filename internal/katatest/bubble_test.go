package katatest_test

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gokatas/concurrency/internal/katatest"
)

// TestBubbleCallSeesEveryWayToStartAGoroutine counts the goroutines a call
// has started, however it started them: none of them has a frame of the
// caller's code on its stack.
func TestBubbleCallSeesEveryWayToStartAGoroutine(t *testing.T) {
	tests := []struct {
		name  string
		start func(ctx context.Context, stop <-chan struct{}, wg *sync.WaitGroup)
	}{
		{"go statement", func(_ context.Context, stop <-chan struct{}, wg *sync.WaitGroup) {
			wg.Add(1)
			go func() { defer wg.Done(); <-stop }()
		}},
		{"WaitGroup.Go", func(_ context.Context, stop <-chan struct{}, wg *sync.WaitGroup) {
			wg.Go(func() { <-stop })
		}},
		{"time.AfterFunc", func(_ context.Context, stop <-chan struct{}, wg *sync.WaitGroup) {
			wg.Add(1)
			time.AfterFunc(time.Second, func() { defer wg.Done(); <-stop })
		}},
		{"context.AfterFunc", func(ctx context.Context, stop <-chan struct{}, wg *sync.WaitGroup) {
			wg.Add(1)
			context.AfterFunc(ctx, func() { defer wg.Done(); <-stop })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			katatest.Synctest(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(context.Background())
				stop := make(chan struct{})
				var wg sync.WaitGroup
				call := katatest.StartInBubble(func() {
					tt.start(ctx, stop, &wg)
					cancel()
					wg.Wait()
				})
				time.Sleep(2 * time.Second) // fake clock: the AfterFunc timer fires
				synctest.Wait()
				if got := len(call.Goroutines()); got != 1 {
					t.Errorf("goroutines started by the call: got %d, want 1", got)
				}
				close(stop)
				<-call.Done()
			})
		})
	}
}

// TestGate counts what enters, holds it, and lets it through oldest first.
func TestGate(t *testing.T) {
	katatest.Synctest(t, func(t *testing.T) {
		var g katatest.Gate
		for range 3 {
			go g.Enter()
		}
		synctest.Wait()
		if g.Entered() != 3 || g.Held() != 3 {
			t.Fatalf("entered %d, held %d: want 3, 3", g.Entered(), g.Held())
		}
		g.Let(2)
		synctest.Wait()
		if g.Held() != 1 {
			t.Fatalf("held %d after letting 2 through: want 1", g.Held())
		}
		g.Open()
		g.Enter() // an open gate holds nothing
		if g.Entered() != 4 || g.Held() != 0 {
			t.Fatalf("entered %d, held %d: want 4, 0", g.Entered(), g.Held())
		}
	})
}

// TestGoroutinesParsesBubbleHeaders reads a bubbled goroutine's state,
// bubble and durability from its header.
func TestGoroutinesParsesBubbleHeaders(t *testing.T) {
	if g := katatest.Current(); g.Bubble != "" || g.State != "running" {
		t.Errorf("outside a bubble: got bubble %q, state %q", g.Bubble, g.State)
	}
	katatest.Synctest(t, func(t *testing.T) {
		block := make(chan struct{})
		go func() { <-block }()
		synctest.Wait()
		gs := katatest.InBubble()
		found := false
		for _, g := range gs {
			if g.State == "chan receive" && g.Durable && g.Bubble == katatest.Current().Bubble {
				found = true
			}
		}
		if !found {
			t.Errorf("no durably blocked chan receive among the bubble's goroutines: %+v", gs)
		}
		close(block)
	})
}

// TestSetGOMAXPROCS sets GOMAXPROCS for one test and restores it after.
func TestSetGOMAXPROCS(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	t.Run("inside", func(t *testing.T) {
		katatest.SetGOMAXPROCS(t, before+1)
		if got := runtime.GOMAXPROCS(0); got != before+1 {
			t.Errorf("GOMAXPROCS inside the test: got %d, want %d", got, before+1)
		}
	})
	if got := runtime.GOMAXPROCS(0); got != before {
		t.Errorf("GOMAXPROCS after the test: got %d, want %d", got, before)
	}
}
