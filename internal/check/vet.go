package check

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/gokatas/concurrency/internal/diagnose"
	"github.com/gokatas/concurrency/internal/proc"
)

// vetTimeout bounds go vet, which starts once the build is done.
const vetTimeout = 2 * time.Minute

// VetResult is what go vet said: findings, or a note in words when it could
// not say (it did not finish, or failed without a message).
type VetResult struct {
	Findings []diagnose.Finding
	Note     string
}

// Vet is a go vet run in a goroutine its starter owns: Wait for its result,
// and Stop it on every path (Stop after Wait is harmless).
type Vet struct {
	cancel context.CancelFunc
	done   chan struct{}
	res    VetResult
	err    error
}

// StartVet runs go vet on b's package (with b's overlay) in the background.
func (r *Runner) StartVet(ctx context.Context, b *Binary) *Vet {
	ctx, cancel := context.WithCancel(ctx)
	v := &Vet{cancel: cancel, done: make(chan struct{})}
	args := []string{"vet"}
	if b.overlayArg != "" {
		args = append(args, b.overlayArg)
	}
	go func() {
		defer close(v.done)
		res, err := proc.Run(ctx, proc.Cmd{Path: r.goCmd(), Args: append(args, "./"+b.Kata.Dir), Dir: r.Root,
			Env: os.Environ(), Timeout: vetTimeout, MaxOutput: 1 << 20})
		if err != nil {
			v.err = goError("vet", err)
			return
		}
		v.res = vetResult(res, diagnose.Options{Root: r.Root, KataDir: b.Kata.Dir})
	}()
	return v
}

// vetResult reads a finished go vet: its findings, or what stopped it.
func vetResult(res proc.Result, opts diagnose.Options) VetResult {
	switch {
	case res.TimedOut:
		return VetResult{Note: fmt.Sprintf("go vet did not finish in %s; press r (or run kata check again) to run it again", vetTimeout)}
	case res.ExitCode == 0:
		return VetResult{}
	}
	if fs := diagnose.ParseVet(res.Output, opts); len(fs) > 0 {
		return VetResult{Findings: fs}
	}
	if msg := trimmed(res.Output); msg != "" {
		return VetResult{Findings: []diagnose.Finding{{Kind: diagnose.KindVet, Message: msg}}}
	}
	return VetResult{Note: fmt.Sprintf("go vet failed (exit status %d) without a message; press r (or run kata check again) to run it again", res.ExitCode)}
}

// Wait returns go vet's result once it has finished.
func (v *Vet) Wait() (VetResult, error) {
	<-v.done
	return v.res, v.err
}

// Stop cancels go vet and waits for it to end.
func (v *Vet) Stop() {
	v.cancel()
	<-v.done
}

// withVet adds go vet's result to a passing verdict: a finding makes it
// almost; a vet that could not say leaves the verdict as it was, with a note.
func withVet(v Verdict, vr VetResult) Verdict {
	v.Findings = append(v.Findings, vr.Findings...)
	if vr.Note != "" {
		v.Notes = append(v.Notes, vr.Note)
	}
	if len(vr.Findings) > 0 {
		v.Outcome = Almost
	}
	return v
}
