package bubbledeadlock

import (
	"testing"
	"testing/synctest"
)

func TestExchange(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		req, reply := make(chan int), make(chan int)
		go func() { <-req }()
		Exchange(req, reply)
	})
}
