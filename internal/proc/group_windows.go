//go:build windows

package proc

import (
	"os/exec"
	"strconv"
	"syscall"
)

// setProcessGroup starts cmd in a new process group and makes cancellation
// end the whole process tree (taskkill /T), grandchildren included.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
	cmd.Cancel = func() error {
		kill := exec.Command("taskkill", "/T", "/F", "/PID", strconv.Itoa(cmd.Process.Pid))
		if err := kill.Run(); err != nil {
			return cmd.Process.Kill()
		}
		return nil
	}
}

// killGroup does nothing on Windows: once the child has exited, taskkill can
// no longer find its tree (a job object would be needed). Cancellation and
// timeouts still end the whole tree through setProcessGroup.
func killGroup(cmd *exec.Cmd) {}
