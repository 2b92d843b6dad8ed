// Package proc runs a command in a process group of its own (on Unix), so that
// nothing it starts, such as the test binary that `go test` runs or a worker
// process a lab forks, outlives it.
//
// The child's standard output and error go through an os.Pipe that proc
// reads itself, so Wait returns as soon as the command exits, even when an
// orphan still holds the pipe open; Wait then kills the whole group, which
// closes the pipe.
package proc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"
)

// Spec says what to run.
type Spec struct {
	Dir  string
	Env  []string // nil means the current environment
	Name string
	Args []string
	// Output receives the command's standard output and standard error,
	// merged, as it arrives.
	Output io.Writer
	// ExtraFiles are open files the command gets as descriptors 3, 4, …
	ExtraFiles []*os.File
}

// Group is a started command and its process group.
type Group struct {
	cmd     *exec.Cmd
	pgid    int
	copied  chan struct{}
	started time.Time
	mu      sync.Mutex
	timer   *time.Timer
	expired bool
}

// Result says how the command ended.
type Result struct {
	ExitCode int           // -1 if killed by a signal
	Expired  bool          // the deadline set with Deadline passed and the group was killed
	Wall     time.Duration // from Start to exit
	MaxRSS   int64         // bytes: the largest resident set of the command or a child it waited for
}

// Start starts the command in a new process group. Cancelling ctx kills
// the group.
func Start(ctx context.Context, s Spec) (*Group, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("making a pipe for %s: %w", s.Name, err)
	}
	cmd := exec.CommandContext(ctx, s.Name, s.Args...)
	cmd.Dir = s.Dir
	cmd.Env = s.Env
	cmd.Stdout = w
	cmd.Stderr = w
	cmd.ExtraFiles = s.ExtraFiles
	cmd.SysProcAttr = newGroupAttr()
	g := &Group{cmd: cmd, copied: make(chan struct{})}
	cmd.Cancel = func() error { g.kill(); return nil }
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("starting %s: %w", s.Name, err)
	}
	w.Close()
	g.started = time.Now()
	g.pgid = cmd.Process.Pid
	out := s.Output
	if out == nil {
		out = io.Discard
	}
	go func() {
		defer close(g.copied)
		defer r.Close()
		io.Copy(out, r)
	}()
	return g, nil
}

// Deadline kills the group once d has passed from now. A later call
// replaces the earlier deadline.
func (g *Group) Deadline(d time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.timer != nil {
		g.timer.Stop()
	}
	g.timer = time.AfterFunc(d, func() {
		g.mu.Lock()
		g.expired = true
		g.mu.Unlock()
		g.kill()
	})
}

// Pid is the command's process ID, which is also its process group's ID
// on Unix: a watchdog reads the group's processes from it.
func (g *Group) Pid() int { return g.pgid }

// Wait waits for the command to exit, kills what is left of its process
// group, waits for the output to be read, and reports how it ended. The
// error is nil when the command ran, whatever its exit code.
func (g *Group) Wait() (Result, error) {
	err := g.cmd.Wait()
	g.mu.Lock()
	if g.timer != nil {
		g.timer.Stop()
	}
	expired := g.expired
	g.mu.Unlock()
	g.kill() // orphans: a forked worker, a test binary whose parent died
	select {
	case <-g.copied:
	case <-time.After(5 * time.Second):
		// Something outside the group holds the pipe; give up on the rest.
	}
	res := Result{Expired: expired, Wall: time.Since(g.started)}
	if st := g.cmd.ProcessState; st != nil {
		res.ExitCode = st.ExitCode()
		res.MaxRSS = maxRSS(st)
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) && !errors.Is(err, exec.ErrWaitDelay) {
		return res, fmt.Errorf("waiting for %s: %w", g.cmd.Path, err)
	}
	return res, nil
}

func (g *Group) kill() {
	if g.pgid > 0 {
		killGroup(g.cmd.Process, g.pgid)
	}
}
