package verify

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sync"

	"github.com/gokatas/concurrency/internal/proc"
)

// Stress saturates the machine's cores while the runs happen: one busy
// process per CPU, each in its own process group, stopped on every path,
// and the test binaries run with an aggressive GOGC.
type Stress struct {
	// Spin is the command of one busy process (a tight loop), e.g. the
	// kata binary re-executed with its hidden __spin argument.
	Spin []string
	// Procs is how many busy processes (runtime.NumCPU() when 0).
	Procs int
	// GOGC is the test binaries' GOGC ("5" when empty: a collection every 5% of heap growth).
	GOGC string
}

func (s *Stress) procs() int   { return cmp.Or(s.Procs, runtime.NumCPU()) }
func (s *Stress) gogc() string { return cmp.Or(s.GOGC, "5") }

// String says how the machine is loaded.
func (s *Stress) String() string {
	return fmt.Sprintf("%d busy processes (one per CPU), test binaries at GOGC=%s", s.procs(), s.gogc())
}

// start starts the busy processes; stop ends them and waits for them.
func (s *Stress) start(ctx context.Context) (stop func(), err error) {
	if len(s.Spin) == 0 {
		return nil, fmt.Errorf("verify --stress: no busy-process command")
	}
	if _, err := exec.LookPath(s.Spin[0]); err != nil {
		return nil, fmt.Errorf("verify --stress: %w", err)
	}
	// Each busy process reads its stdin, a pipe whose write end only this
	// process holds, and exits at EOF: if kata verify dies without
	// stopping them (kill -9), the kernel closes the pipe and they go too.
	alive, held, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("verify --stress: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for range s.procs() {
		wg.Go(func() {
			// Ends with ctx: the whole group is killed then.
			_, _ = proc.Run(ctx, proc.Cmd{Path: s.Spin[0], Args: s.Spin[1:], Env: os.Environ(), Stdin: alive, MaxOutput: 1 << 10})
		})
	}
	return func() {
		cancel()
		wg.Wait()
		held.Close()
		alive.Close()
	}, nil
}
