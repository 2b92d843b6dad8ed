package restart

import "syscall"

// becomeSubreaper makes the test process the parent of every orphaned
// generation (a generation's parent, the one before it, exits during an
// upgrade), so that the test can reap them and /proc shows what is left.
func becomeSubreaper() {
	const prSetChildSubreaper = 36
	syscall.Syscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0)
}
