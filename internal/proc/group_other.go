//go:build !unix

package proc

import (
	"os"
	"syscall"
)

// newGroupAttr has nothing to set where there are no Unix process groups.
func newGroupAttr() *syscall.SysProcAttr { return nil }

// killGroup kills the process itself; without process groups, what it
// started may survive it.
func killGroup(p *os.Process, _ int) {
	if p != nil {
		_ = p.Kill()
	}
}

// maxRSS is not measured here.
func maxRSS(*os.ProcessState) int64 { return 0 }
