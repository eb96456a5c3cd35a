// Package logship is the log shipper of our CI runners. A job's process
// writes to its stdout and stderr; a reader per pipe turns what it writes
// into lines and sends them on a channel, and Run ships every line to the log
// service as it comes, so that the job's page shows the log live. When a job
// is cancelled, its log must end there: the runner writes "job cancelled"
// as the last line, and nothing the process wrote after that may follow it.
package logship

import (
	"context"
	"fmt"
	"reflect"
	"slices"
)

// Line is one line of a job's output.
type Line struct {
	Stream string // "stdout" or "stderr"
	N      int    // the line's number in its stream, from 1
	Text   string
}

// Sink is the log service.
type Sink interface {
	// Ship sends one line to the job's log.
	Ship(l Line) error
}

// Run ships every line of stdout and stderr, each stream's lines in their
// order, until both streams are closed (the process has exited and its pipes
// are drained); then it returns nil. A nil stream is a pipe the job does not
// have. Once ctx is done (the job is cancelled), Run returns ctx's error
// without shipping another line, even one already waiting in a stream.
func Run(ctx context.Context, sink Sink, stdout, stderr <-chan Line) error {
	// cases[0] is the cancellation; the others are the streams still open.
	cases := []reflect.SelectCase{{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ctx.Done())}}
	for _, in := range []<-chan Line{stdout, stderr} {
		if in != nil {
			cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(in)})
		}
	}
	for len(cases) > 1 {
		i, v, ok := reflect.Select(cases)
		if i == 0 {
			return ctx.Err()
		}
		if !ok {
			cases = slices.Delete(cases, i, i+1) // a closed stream leaves the select
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := sink.Ship(v.Interface().(Line)); err != nil {
			return fmt.Errorf("logship: %w", err)
		}
	}
	return nil
}
