package katatest

import "testing"

// TestParkedSemacquire: a goroutine in "semacquire" is parked when a sync
// primitive or the poller waits on the semaphore, and not when the runtime
// parked running code for a GC (its own frame is on top of the dump).
func TestParkedSemacquire(t *testing.T) {
	tests := []struct {
		name, stack string
		want        bool
	}{
		{"sync mutex", "sync.runtime_SemacquireMutex(0xc000012345?, 0x0?, 0x1?)\n\t/usr/local/go/src/runtime/sema.go:95 +0x25\nsync.(*Mutex).lockSlow(0xc000012340)\n", true},
		{"poller", "internal/poll.runtime_Semacquire(0xc0000a0028?)\n\t/usr/local/go/src/runtime/sema.go:76 +0x25\n", true},
		{"a GC start in user code", "example.com/k.(*Pool).grow(0xc000100000)\n\t/tmp/k/pool.go:40 +0x55\nsync.(*Once).doSlow(0x0?, 0x0?)\n", false},
	}
	for _, tt := range tests {
		if got := parkedState("semacquire", tt.stack); got != tt.want {
			t.Errorf("%s: parked = %v, want %v", tt.name, got, tt.want)
		}
	}
	if !parked("semacquire") {
		t.Error("without a stack, semacquire still counts as parked")
	}
}
