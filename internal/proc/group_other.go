//go:build !unix && !windows

package proc

import "os/exec"

// setProcessGroup has no process groups to use here: cancellation kills the
// child only.
func setProcessGroup(cmd *exec.Cmd) {}

// killGroup has no group to kill here.
func killGroup(cmd *exec.Cmd) {}
