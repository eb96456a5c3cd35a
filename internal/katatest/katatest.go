// Package katatest holds the mechanics the kata tests share, so that each
// kata test reads as a specification a learner can follow.
//
// Seeing goroutines. Goroutines parses a dump of every goroutine's stack;
// Current is the calling goroutine's entry and GoroutineID its number.
// Reading a dump synchronises with nothing, so a test can watch the code
// under test without hiding a data race from the race detector.
//
// Guarding calls that can block for good, without a clock a loaded machine
// could miss. Go starts a call of the code under test on a goroutine of its
// own and Call.Wait waits for it to return; Completes does both. They fail
// the test with a DeadlockMarker message as soon as goroutine dumps show
// the call can never return: it has not returned, and every other goroutine
// of the process waits for another goroutine (on a channel, a select, a
// lock, a WaitGroup, a sync.Cond, the network), so nothing is left to wake
// it. A correct call is never in that state, however slow the machine; only
// a call that keeps running (a spin, a sleep in a loop) is bounded, by the
// generous SpinTimeout. Returns does the same for a channel the test waits
// to see closed. GoUnordered is Go for race tests: its Wait orders nothing
// the call did before the test's next step. For code that waits on timers,
// where a dump cannot tell a timer from a lost wake-up, Within bounds the
// wait in time instead, and gives a call that is still on a CPU more.
//
// Waiting for goroutines to get as far as they can. WaitIdle waits until
// every other goroutine of the process waits for another one; WaitParked
// does that for the goroutines a test names; Call.Parked asks it of one
// call, once. None of them synchronises with those goroutines.
//
// Holding and releasing. Gate holds goroutines that a fake dependency lets
// in until the test lets them through.
//
// synctest bubbles. Synctest and SynctestNoSpin run a test in a
// testing/synctest bubble with a leak check; StartInBubble starts a call
// whose goroutines BubbleCall.Goroutines finds by bubble membership.
//
// Crashes. InOwnProcess runs a test in a child process, so that a panic on
// a goroutine the code under test started becomes a finding, not the end of
// the test binary.
package katatest

import "time"

// DeadlockMarker starts every deadlock-guard failure message; the runner's
// diagnosis looks for it.
const DeadlockMarker = "deadlock guard:"

// GuardTimeout is the default time Within gives a call that waits on a
// timer or the network before it counts as blocked for good. Kata code under
// test finishes in milliseconds.
const GuardTimeout = time.Second

// SpinTimeout bounds how long a guarded call, WaitIdle or WaitParked waits
// for goroutines that keep running without ever waiting for another
// goroutine: a spin, a sleep in a loop, an endless computation. A call that
// blocks for good is reported without it, as soon as the dumps show it; a
// correct call uses a tiny part of it even on a saturated machine, so it
// leaves a loaded machine all the room it needs.
const SpinTimeout = 10 * time.Second

// WatchLimit is SpinTimeout.
//
// Deprecated: use SpinTimeout.
const WatchLimit = SpinTimeout
