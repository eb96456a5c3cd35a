package leakstates

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// settle gives started goroutines time to block (recorded once, not a CI test).
func settle() { time.Sleep(50 * time.Millisecond) }

func TestMutexLock(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	a := &Account{cents: 1}
	_ = a.Withdraw(5)
	go a.Withdraw(1)
	settle()
}

func TestRWMutexRLock(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	c := &Cache{m: map[string]string{}}
	go c.Refill(make(chan map[string]string))
	settle()
	go c.Get("k")
	settle()
}

func TestRWMutexLock(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	c := &Cache{m: map[string]string{"a": "1"}}
	go c.Scan(make(chan string))
	settle()
	go c.Put("k", "v")
	settle()
}

func TestWaitGroupWait(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	go ProcessAll([]int{1, -1})
	settle()
}

func TestChanSend(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	gate := make(chan struct{})
	Fetch(ctx, func() int { <-gate; return 1 })
	close(gate)
	settle()
}

func TestChanReceive(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	Listen(make(chan int))
	settle()
}

func TestNilChannel(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	WaitNil()
	settle()
}

func TestSelect(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	Either(make(chan int), make(chan int))
	settle()
}

func TestCondWait(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	Await()
	settle()
}

func TestSleep(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	Nap()
	settle()
}

func TestNetworkRead(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skip(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			t.Cleanup(func() { c.Close() })
		}
	}()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Skip(err)
	}
	Read(conn)
	settle()
}

// TestMerged leaves 20 goroutines blocked at one line, started by two
// different goroutines: one finding with a count.
func TestMerged(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { Fan(10, done) })
	}
	wg.Wait()
	settle()
}
