// Package proc runs child processes (the go command, test binaries, test2json)
// each in its own process group, streams their output line by line,
// keeps a bounded copy of it, and kills the whole group on cancel or
// timeout so no grandchild outlives a run.
package proc

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"
)

// DefaultMaxOutput is how much output a Result keeps when Cmd.MaxOutput is 0.
const DefaultMaxOutput = 4 << 20

// maxLine caps one line handed to OnLine; longer lines are cut.
const maxLine = 1 << 20

// Cmd describes one child process.
type Cmd struct {
	// Path is the program ("go", or a test binary); Args its arguments.
	Path string
	Args []string
	// Dir is the working folder; Env the full environment (nil: inherit).
	Dir string
	Env []string
	// Timeout bounds the run; the process group is killed after it. 0: none.
	Timeout time.Duration
	// MaxOutput caps the combined output kept in Result.Output.
	MaxOutput int
	// OnLine, if set, is called with each line of combined output (without
	// its newline) as it arrives, from a single goroutine.
	OnLine func(line string)
	// Stderr, if set, receives the standard error apart, so that Output and
	// OnLine see the standard output alone (for a command whose output is
	// parsed, like go list, while the go command's own messages such as
	// "go: downloading ..." go to stderr).
	Stderr io.Writer
	// Stdin, if set, is the child's standard input (nil: none). An *os.File
	// is handed to the child as it is: the read end of a pipe whose write
	// end the parent holds lets the child notice the parent's death (EOF).
	Stdin io.Reader
}

// Result is how a run ended.
type Result struct {
	// Output is the combined stdout and stderr, cut at MaxOutput.
	Output []byte
	// Truncated: more output arrived than was kept (or a line was cut).
	Truncated bool
	// ExitCode is the process's exit code (-1 when killed by a signal).
	ExitCode int
	// TimedOut: the run hit Cmd.Timeout and was killed.
	TimedOut bool
	// Duration is the wall time of the run.
	Duration time.Duration
	// PID is the child's process id; on Unix also its process group id.
	PID int
}

// Run starts c, streams its output, and waits for it. A non-zero exit is not
// an error (a failing test is a normal outcome); err is for a process that
// could not start, or a run cancelled through ctx.
func Run(ctx context.Context, c Cmd) (Result, error) {
	if c.MaxOutput <= 0 {
		c.MaxOutput = DefaultMaxOutput
	}
	runCtx := ctx
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(runCtx, c.Path, c.Args...)
	cmd.Dir = c.Dir
	cmd.Env = c.Env
	cmd.Stdin = c.Stdin
	setProcessGroup(cmd)
	// WaitDelay bounds how long Wait waits after a cancel for the process
	// to die before it gives up on it.
	cmd.WaitDelay = 2 * time.Second

	// One OS pipe for stdout and stderr, handed to the child as is (no copying
	// goroutine inside exec): Wait then returns when the child exits, even if
	// a grandchild still holds the pipe, and the group is killed right after.
	pr, pw, err := os.Pipe()
	if err != nil {
		return Result{}, fmt.Errorf("start %s: %w", c.Path, err)
	}
	cmd.Stdout = pw
	cmd.Stderr = pw
	if c.Stderr != nil {
		cmd.Stderr = c.Stderr
	}

	start := time.Now()
	if err := cmd.Start(); err != nil {
		pw.Close()
		pr.Close()
		return Result{}, fmt.Errorf("start %s: %w", c.Path, err)
	}
	pw.Close() // the child has its own copy

	var (
		res Result
		wg  sync.WaitGroup
	)
	res.PID = cmd.Process.Pid
	readDone := make(chan struct{})
	wg.Go(func() {
		defer close(readDone)
		res.Output, res.Truncated = consume(pr, c.MaxOutput, c.OnLine)
	})
	waitErr := cmd.Wait()
	// Whatever the child left behind in its group (a test that started
	// `sleep 1000` and returned) dies with it.
	killGroup(cmd)
	select {
	case <-readDone:
	case <-time.After(cmd.WaitDelay):
		// Something outside the group still holds the pipe: stop reading.
		pr.Close()
	}
	wg.Wait()
	res.Duration = time.Since(start)
	res.ExitCode = cmd.ProcessState.ExitCode()

	if ctx.Err() != nil {
		return res, fmt.Errorf("%s: %w", c.Path, ctx.Err())
	}
	if errors.Is(runCtx.Err(), context.DeadlineExceeded) {
		res.TimedOut = true
		return res, nil
	}
	var ee *exec.ExitError
	if waitErr != nil && !errors.As(waitErr, &ee) && !errors.Is(waitErr, exec.ErrWaitDelay) {
		return res, fmt.Errorf("%s: %w", c.Path, waitErr)
	}
	return res, nil
}

// consume reads r to EOF, calling onLine per line and keeping up to max
// bytes. It always drains r, so the child never blocks on a full pipe.
func consume(r io.ReadCloser, max int, onLine func(string)) ([]byte, bool) {
	defer r.Close()
	var kept bytes.Buffer
	truncated := false
	br := bufio.NewReaderSize(r, 64*1024)
	var line []byte
	for {
		chunk, isPrefix, err := br.ReadLine()
		if len(line)+len(chunk) > maxLine {
			truncated = true
		}
		if len(line) < maxLine {
			line = append(line, chunk[:min(len(chunk), maxLine-len(line))]...)
		}
		if err == nil && isPrefix {
			continue
		}
		if err == nil || len(line) > 0 {
			if kept.Len()+len(line)+1 <= max {
				kept.Write(line)
				kept.WriteByte('\n')
			} else {
				truncated = true
			}
			if onLine != nil {
				onLine(string(line))
			}
		}
		line = line[:0]
		if err != nil {
			return kept.Bytes(), truncated
		}
	}
}
