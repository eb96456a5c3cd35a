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
	for stdout != nil || stderr != nil {
		// The cancellation first, on its own: a select with one case and
		// a default cannot pick anything else.
		select {
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case l, ok := <-stdout:
			if !ok {
				stdout = nil
				continue
			}
			if err := ctx.Err(); err != nil { // cancelled between the two selects
				return err
			}
			if err := sink.Ship(l); err != nil {
				return fmt.Errorf("logship: %w", err)
			}
		case l, ok := <-stderr:
			if !ok {
				stderr = nil
				continue
			}
			if err := ctx.Err(); err != nil { // cancelled between the two selects
				return err
			}
			if err := sink.Ship(l); err != nil {
				return fmt.Errorf("logship: %w", err)
			}
		}
	}
	return nil
}
