// Package forks is a fixture lab that starts a child process and never
// waits for it.
package forks

import (
	"os"
	"os/exec"
	"strconv"
)

// StartWorker starts a worker process that runs for a long time and, if
// pidFile is not empty, writes its pid there. It forgets the worker.
func StartWorker(pidFile string) error {
	cmd := exec.Command("sleep", "300")
	if err := cmd.Start(); err != nil {
		return err
	}
	if pidFile != "" {
		return os.WriteFile(pidFile, []byte(strconv.Itoa(cmd.Process.Pid)), 0o644)
	}
	return nil
}
