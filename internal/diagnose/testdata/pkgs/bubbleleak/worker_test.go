package bubbleleak

import (
	"testing"
	"testing/synctest"
)

func TestStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		jobs := make(chan int)
		Start(jobs)
		jobs <- 1
	})
}
