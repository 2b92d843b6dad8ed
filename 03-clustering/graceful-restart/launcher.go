package restart

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Event is one line of the status pipe: a server process's pid and what
// it did ("ready", "upgrade-failed …", "exiting", "crashed-on-start").
type Event struct {
	PID  int
	What string
}

// Launcher starts generation 1 of the server and follows every generation
// after it through the status pipe. It stands where systemd or a deploy
// script would.
type Launcher struct {
	Addr   string     // the address the server listens on
	Events chan Event // every status line, as it comes
	first  *exec.Cmd  // generation 1
	life   *os.File   // the lifeline's write end: closing it ends every generation
	mu     sync.Mutex //
	pids   []int      // every pid that announced itself
	exited chan error // generation 1's exit
}

// Launch starts exe as generation 1 of the server on a free loopback port,
// with args, and fault as the fault file, and waits up to 5 s until it is
// ready.
func Launch(exe string, args []string, fault string) (*Launcher, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("launch: %w", err)
	}
	l := &Launcher{Addr: ln.Addr().String(), Events: make(chan Event, 256), exited: make(chan error, 1)}
	ln.Close()
	statusR, statusW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("launch: %w", err)
	}
	lifeR, lifeW, _ := os.Pipe()
	readyR, readyW, _ := os.Pipe()
	readyR.Close() // the launcher follows generation 1 on the status pipe
	l.life = lifeW
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), ServerEnv+"=1", AddrEnv+"="+l.Addr, FaultEnv+"="+fault)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.ExtraFiles = []*os.File{statusW, lifeR, readyW}
	err = cmd.Start()
	statusW.Close()
	lifeR.Close()
	readyW.Close()
	if err != nil {
		lifeW.Close()
		return nil, fmt.Errorf("launch: %w", err)
	}
	l.first = cmd
	go func() { l.exited <- cmd.Wait() }()
	go l.read(statusR)
	if _, ok := l.Await(5*time.Second, func(e Event) bool { return e.What == "ready" }); !ok {
		l.Stop()
		return nil, fmt.Errorf("launch: generation 1 (pid %d) did not say it was ready within 5s", cmd.Process.Pid)
	}
	return l, nil
}

// FirstPID is generation 1's pid.
func (l *Launcher) FirstPID() int { return l.first.Process.Pid }

// PIDs returns every pid that has announced itself so far, in order.
func (l *Launcher) PIDs() []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.pids)
}

// read turns the status pipe into events.
func (l *Launcher) read(r *os.File) {
	defer r.Close()
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		pidText, what, _ := strings.Cut(sc.Text(), " ")
		pid, err := strconv.Atoi(pidText)
		if err != nil {
			continue
		}
		l.mu.Lock()
		if !slices.Contains(l.pids, pid) {
			l.pids = append(l.pids, pid)
		}
		l.mu.Unlock()
		select {
		case l.Events <- Event{pid, what}:
		default: // nobody is listening that closely
		}
	}
}

// Await returns the first event, within d, for which match holds.
func (l *Launcher) Await(d time.Duration, match func(Event) bool) (Event, bool) {
	timeout := time.After(d)
	for {
		select {
		case e := <-l.Events:
			if match(e) {
				return e, true
			}
		case <-timeout:
			return Event{}, false
		}
	}
}

// Upgrade sends SIGHUP to pid and waits up to 5 s for a new generation to
// be ready, and up to 5 s more for pid to exit. It returns the new pid.
func (l *Launcher) Upgrade(pid int) (int, error) {
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		return 0, fmt.Errorf("SIGHUP %d: %w", pid, err)
	}
	e, ok := l.Await(5*time.Second, func(e Event) bool { return e.What == "ready" && e.PID != pid })
	if !ok {
		return 0, fmt.Errorf("no new generation said it was ready within 5s of SIGHUP to pid %d", pid)
	}
	if !WaitGone(pid, 5*time.Second) {
		return e.PID, fmt.Errorf("the old process, pid %d, was still running 5s after its successor %d was ready", pid, e.PID)
	}
	return e.PID, nil
}

// Stop ends every generation: it closes the lifeline, waits up to 2 s for
// each to exit, kills any still running, and returns those it had to kill.
func (l *Launcher) Stop() (killed []int) {
	l.life.Close()
	l.mu.Lock()
	pids := append([]int{l.first.Process.Pid}, l.pids...)
	l.mu.Unlock()
	for _, pid := range pids {
		if !WaitGone(pid, 2*time.Second) {
			killed = append(killed, pid)
			syscall.Kill(pid, syscall.SIGKILL)
			WaitGone(pid, 2*time.Second)
		}
	}
	return killed
}

// Alive reports whether pid runs (is neither gone nor a zombie), from
// /proc; a zombie that is a child of this process is reaped.
func Alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	if len(f) > 0 && f[0] == "Z" {
		var ws syscall.WaitStatus
		syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
		return false
	}
	return true
}

// WaitGone waits up to d for pid to exit.
func WaitGone(pid int, d time.Duration) bool {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if !Alive(pid) {
			return true
		}
	}
	return !Alive(pid)
}

// ListenInode returns the inode of the socket listening on addr's port,
// from /proc/net/tcp ("a+b" if two sockets listen there, "none" if none).
func ListenInode(addr string) (string, error) {
	_, portText, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(portText)
	data, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return "", err
	}
	var inodes []string
	for _, line := range strings.Split(string(data), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 10 || f[3] != "0A" { // 0A: LISTEN
			continue
		}
		if _, p, ok := strings.Cut(f[1], ":"); ok {
			if v, _ := strconv.ParseInt(p, 16, 32); int(v) == port {
				inodes = append(inodes, f[9])
			}
		}
	}
	if len(inodes) == 0 {
		return "none", nil
	}
	return strings.Join(inodes, "+"), nil
}

// Load is a bounded load generator: 8 clients, each opening a new
// connection for every request (GET /work?ms=20), until Stop, 4000
// requests, or 15 s.
type Load struct {
	mu   sync.Mutex
	res  LoadResult
	wg   sync.WaitGroup
	done chan struct{}
}

// LoadResult counts what the clients saw.
type LoadResult struct {
	Sent, Refused, Failed int
	FirstFailure          string
	ByPID                 map[int]int // answers per server pid
}

// StartLoad starts the clients against addr.
func StartLoad(addr string) *Load {
	l := &Load{res: LoadResult{ByPID: map[int]int{}}, done: make(chan struct{})}
	deadline := time.Now().Add(15 * time.Second)
	client := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for range 8 {
		l.wg.Go(func() {
			for l.next(deadline) {
				pid, err := work(client, addr)
				l.record(pid, err)
			}
		})
	}
	return l
}

// next reports whether a client may send one more request, and counts it.
func (l *Load) next(deadline time.Time) bool {
	select {
	case <-l.done:
		return false
	default:
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.res.Sent >= 4000 || time.Now().After(deadline) {
		return false
	}
	l.res.Sent++
	return true
}

func (l *Load) record(pid int, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		l.res.Refused++
	case err != nil:
		l.res.Failed++
		if l.res.FirstFailure == "" {
			l.res.FirstFailure = err.Error()
		}
	default:
		l.res.ByPID[pid]++
	}
}

// Stop stops the clients and returns what they saw.
func (l *Load) Stop() LoadResult {
	close(l.done)
	l.wg.Wait()
	return l.res
}

// work sends one request and returns the pid that served it.
func work(c *http.Client, addr string) (int, error) {
	resp, err := c.Get("http://" + addr + "/work?ms=20")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var r Reply
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s (%v)", resp.Status, err)
	}
	return r.PID, nil
}
