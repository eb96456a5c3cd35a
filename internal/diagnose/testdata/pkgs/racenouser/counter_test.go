package racenouser

import (
	"testing"
	"time"
)

func TestAtomicAgainstPlain(t *testing.T) {
	c := &Counter{}
	done := make(chan struct{})
	go func() {
		c.Set(1)
		close(done)
	}()
	time.Sleep(20 * time.Millisecond)
	_ = c.Get()
	<-done
}
