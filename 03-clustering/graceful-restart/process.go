// Package restart runs an HTTP server that is upgraded in place: on
// SIGHUP the running process starts its successor (a new binary; here the
// same one) and hands over to it, the way tableflip, systemd socket
// activation, nginx and HAProxy reloads do. Done right, no client notices.
//
// This file and server.go are given: the plumbing between generations
// (a status pipe the test reads, a lifeline that ends every generation
// when the test goes away, and a ready pipe from each new process to the
// one that started it) and the application. upgrade.go is the lab.
package restart

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The environment of a server process.
const (
	ServerEnv = "PERFLAB_GR_SERVER" // "1" in a server process
	AddrEnv   = "PERFLAB_GR_ADDR"   // the address to serve, 127.0.0.1:port
	// FaultEnv names a file the test controls: while it holds "crash", a
	// new server process exits with status 1 before it is ready, as a new
	// binary with a bad config would.
	FaultEnv = "PERFLAB_GR_FAULT"
)

// The file descriptors every server process is started with. Files a
// process hands to its successor (Successor's arguments) follow, from
// FirstExtraFD on.
const (
	statusFD     = 3 // write: one line per event, read by whoever started generation 1
	lifelineFD   = 4 // read: end of file when the test (or launcher) has gone
	readyFD      = 5 // write: "ready" to the process that started this one
	FirstExtraFD = 6
)

// The status pipe and the lifeline, each opened once per process: an
// *os.File closes its descriptor when it is garbage collected, so a second
// os.NewFile for the same number would, one day, close whatever socket
// the kernel has given that number since.
var (
	statusFile   = sync.OnceValue(func() *os.File { return os.NewFile(statusFD, "status") })
	lifelineFile = sync.OnceValue(func() *os.File { return os.NewFile(lifelineFD, "lifeline") })
)

// IsServer reports whether this process was started as a server.
func IsServer() bool { return os.Getenv(ServerEnv) == "1" }

// Main is the whole life of a server process: it checks the fault file,
// watches the lifeline, runs Serve, and announces that it exits.
func Main() error {
	if b, err := os.ReadFile(os.Getenv(FaultEnv)); err == nil && strings.TrimSpace(string(b)) == "crash" {
		Announce("crashed-on-start")
		os.Exit(1)
	}
	go watchLifeline()
	err := Serve()
	if err != nil {
		Announce("exiting " + strings.ReplaceAll(err.Error(), "\n", " "))
	} else {
		Announce("exiting")
	}
	return err
}

// watchLifeline ends the process when whoever started generation 1 has
// gone, so that no generation outlives a test that failed.
func watchLifeline() {
	f := lifelineFile()
	if f == nil {
		return
	}
	io.Copy(io.Discard, f) // returns at end of file: every writer is gone
	os.Exit(3)
}

// Announce writes "pid event" to the status pipe.
func Announce(event string) {
	if f := statusFile(); f != nil {
		fmt.Fprintf(f, "%d %s\n", os.Getpid(), event)
	}
}

// NotifyReady tells the process that started this one (and the status
// pipe) that this process serves requests now. Call it once, after the
// listener is ready.
func NotifyReady() {
	Announce("ready")
	if f := os.NewFile(readyFD, "ready"); f != nil {
		f.WriteString("ready\n")
		f.Close()
	}
}

// Next is the next generation, made by Successor and not started yet.
type Next struct {
	// Cmd starts the new process: this program, with the same arguments
	// and environment (add to Cmd.Env to tell it more).
	Cmd    *exec.Cmd
	readyR *os.File
	readyW *os.File
	files  []*os.File
}

// Successor prepares the next generation. The new process gets the status
// pipe, the lifeline, a ready pipe back to this process, and files, as
// file descriptors FirstExtraFD, FirstExtraFD+1, … in the order given.
func Successor(files ...*os.File) (*Next, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("successor: %w", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("successor: ready pipe: %w", err)
	}
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Env = os.Environ()
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.ExtraFiles = append([]*os.File{
		statusFile(),
		lifelineFile(),
		w,
	}, files...)
	return &Next{Cmd: cmd, readyR: r, readyW: w, files: files}, nil
}

// Start starts the new process.
func (n *Next) Start() error {
	err := n.Cmd.Start()
	n.readyW.Close() // the child has its own copy; now its exit ends the pipe
	// Cmd.Start takes each file's Fd, and Fd puts the descriptor into
	// blocking mode: the mode belongs to the open socket, which this
	// process still serves. A listener left blocking can sit in accept(2)
	// after it was closed and take a connection it will never serve.
	for _, f := range n.files {
		setNonblock(f)
	}
	if err != nil {
		n.readyR.Close()
		return fmt.Errorf("successor: %w", err)
	}
	return nil
}

// setNonblock puts f's descriptor (and every duplicate of it) back into
// non-blocking mode.
func setNonblock(f *os.File) {
	if rc, err := f.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) { syscall.SetNonblock(int(fd), true) })
	}
}

// ErrNotReady means the new process exited, or did not say it was ready
// within the time allowed.
var ErrNotReady = errors.New("the new process did not become ready")

// WaitReady waits up to within for the new process to call NotifyReady.
// It returns an error wrapping ErrNotReady if that process exits first or
// time runs out.
func (n *Next) WaitReady(within time.Duration) error {
	defer n.readyR.Close()
	n.readyR.SetReadDeadline(time.Now().Add(within))
	line, err := bufio.NewReader(n.readyR).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		return fmt.Errorf("%w (%v)", ErrNotReady, err)
	}
	return nil
}

// Abandon kills the new process, if it still runs, and waits for it: for
// an upgrade that failed.
func (n *Next) Abandon() error {
	n.Cmd.Process.Kill()
	err := n.Cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return nil
	}
	return err
}
