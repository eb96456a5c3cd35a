package katatest

import "strings"

// What a goroutine dump's state says a goroutine is doing. The state is the
// runtime's wait reason (runtime/runtime2.go, waitReasonStrings) or its
// status ("running", "runnable", "syscall"...), as Goroutine.State holds it.

// parked reports whether a goroutine in state cannot run again until
// another goroutine, or the network, wakes it: it has got as far as it can
// by itself. A sleep, a system call, a GC assist or a preemption ends by
// itself and does not count.
func parked(state string) bool {
	for _, p := range []string{
		"chan receive", "chan send", "select", // the nil-channel and no-case variants too
		"sync.", // sync.Mutex.Lock, sync.RWMutex.Lock and RLock, sync.WaitGroup.Wait, sync.Cond.Wait
		"semacquire",
		"IO wait",
		// The runtime's own idle goroutines, when a dump shows them.
		"finalizer wait", "cleanup wait", "force gc (idle)", "GC sweep wait", "GC scavenge wait",
		"GOMAXPROCS updater (idle)",
		"trace reader (blocked)", // go test -trace: the tracer's own reader, woken by the runtime
	} {
		if strings.HasPrefix(state, p) {
			return true
		}
	}
	return false
}

// onCPU reports whether a goroutine in state is running or waits only for
// a CPU.
func onCPU(state string) bool {
	return state == "running" || state == "runnable"
}

// idle reports whether every goroutine in gs but the one numbered self is
// parked: nothing but self can wake any of them.
func idle(gs []Goroutine, self string) bool {
	for _, g := range gs {
		if g.ID != self && !parked(g.State) {
			return false
		}
	}
	return true
}

// find returns the goroutine numbered id, if the dump shows it.
func find(gs []Goroutine, id string) (Goroutine, bool) {
	for _, g := range gs {
		if g.ID == id {
			return g, true
		}
	}
	return Goroutine{}, false
}

// waitsIn names, for a message, the innermost function of g's stack that is
// neither the runtime's nor the sync packages': where the code it runs
// waits, such as "(*Ledger).Transfer".
func waitsIn(g Goroutine) string {
	for line := range strings.SplitSeq(g.Stack, "\n") {
		if line == "" || strings.HasPrefix(line, "\t") || strings.HasPrefix(line, "created by ") {
			continue
		}
		if strings.HasPrefix(line, "runtime.") || strings.HasPrefix(line, "internal/") ||
			strings.HasPrefix(line, "sync.") || strings.HasPrefix(line, "sync/") {
			continue
		}
		return funcName(line)
	}
	return "the runtime"
}
