package katatest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestInOwnProcess runs each case's body in a child process of this test
// binary, the way the kata tests do.
func TestInOwnProcess(t *testing.T) {
	tests := []struct {
		name      string
		body      func(t *testing.T)
		wantCrash string // the panic value; "" for a child that passes
	}{
		{
			name: "a passing child",
			body: func(t *testing.T) {},
		},
		{
			name: "a panic on a goroutine the test did not start",
			body: func(t *testing.T) {
				done := make(chan struct{})
				go crashOnClose(done)
				close(done)
				<-make(chan struct{}) // the crash ends the process first
			},
			wantCrash: "close of closed channel",
		},
		{
			name:      "a panic in the test's own goroutine",
			body:      func(t *testing.T) { panic("boom") },
			wantCrash: "boom",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

			crash := InOwnProcess(t, tt.body)
			if tt.wantCrash == "" {
				assert.Nil(t, crash)
				return
			}
			require.NotNil(t, crash)
			assert.Equal(t, tt.wantCrash, crash.Value)
			assert.Contains(t, crash.String(), "panic: "+tt.wantCrash)
		})
	}
}

// crashOnClose closes done a second time once it is closed.
func crashOnClose(done chan struct{}) {
	<-done
	close(done)
}

func TestParseCrash(t *testing.T) {
	defer goleak.VerifyNone(t)
	dir := "/src/katas/06-chan-close"
	out := `--- FAIL: TestShutdown/x (0.00s)
panic: send on closed channel

goroutine 7 [running]:
github.com/gokatas/concurrency/katas/06-chan-close.(*Bus).dispatch(0xc000077b90)
	/src/katas/06-chan-close/bus.go:77 +0x172
created by github.com/gokatas/concurrency/katas/06-chan-close.New in goroutine 6
	/src/katas/06-chan-close/bus.go:44 +0x11f

goroutine 1 [chan receive]:
testing.(*T).Run(0xc0000a2248, {0x646020, 0x5}, 0x6541f0)
	/usr/local/go/src/testing/testing.go:2005 +0x485
`
	c := parseCrash(out, dir)
	require.NotNil(t, c)
	assert.Equal(t, "send on closed channel", c.Value)
	assert.Equal(t, "(*Bus).dispatch", c.Func)
	assert.Equal(t, "panic: send on closed channel in (*Bus).dispatch at bus.go:77, on a goroutine started at bus.go:44", c.Summary())
	assert.Equal(t, "bus.go:77", c.At)
	assert.Equal(t, "bus.go:44", c.StartedAt)
	assert.NotContains(t, c.Stack, "testing.(*T).Run", "only the crashing goroutine's stack")

	assert.Nil(t, parseCrash("panic: test timed out after 60s\n", dir), "a timeout is not a crash")
	assert.Nil(t, parseCrash("--- FAIL: TestX\nFAIL\n", dir))
	assert.Equal(t, "boom", parseCrash("panic: boom [recovered, repanicked]\n\ngoroutine 1 [running]:\n", dir).Value)
}
