//go:build unix

package proc

import (
	"os"
	"runtime"
	"syscall"
)

// newGroupAttr starts the child as the leader of a new process group, so
// that killGroup reaches everything it starts.
func newGroupAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// killGroup sends SIGKILL to every process in the group.
func killGroup(_ *os.Process, pgid int) { _ = syscall.Kill(-pgid, syscall.SIGKILL) }

// maxRSS returns, in bytes, the largest resident set of the process or of a
// child it waited for.
func maxRSS(st *os.ProcessState) int64 {
	ru, ok := st.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return ru.Maxrss // bytes there, KiB on Linux and the BSDs
	}
	return ru.Maxrss * 1024
}
