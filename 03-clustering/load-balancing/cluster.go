package balance

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Cluster runs worker processes, each on a loopback address of its own
// that stays the same when the worker is restarted.
type Cluster struct {
	command func() *exec.Cmd
	addrs   []string
	client  *http.Client

	mu    sync.Mutex
	procs []*exec.Cmd // nil for a worker not running
}

// StartCluster starts n workers; command returns the command that starts
// one (a program that calls RunWorker when IsWorker reports true). It
// returns once every worker answers.
func StartCluster(n int, command func() *exec.Cmd) (*Cluster, error) {
	c := &Cluster{command: command, procs: make([]*exec.Cmd, n), client: &http.Client{Timeout: time.Second}}
	for range n {
		addr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		c.addrs = append(c.addrs, addr)
	}
	for i := range n {
		if err := c.Restart(i); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// freeAddr finds a loopback port nobody listens on.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("cluster: finding a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// URLs returns each worker's base URL, http://127.0.0.1:port.
func (c *Cluster) URLs() []*url.URL {
	urls := make([]*url.URL, len(c.addrs))
	for i, a := range c.addrs {
		urls[i] = &url.URL{Scheme: "http", Host: a}
	}
	return urls
}

// Addr returns worker i's address.
func (c *Cluster) Addr(i int) string { return c.addrs[i] }

// Pid returns worker i's process id, 0 if it is not running.
func (c *Cluster) Pid(i int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.procs[i] == nil {
		return 0
	}
	return c.procs[i].Process.Pid
}

// Restart starts worker i (again) on its address and waits until it
// answers, for up to 5 s.
func (c *Cluster) Restart(i int) error {
	cmd := c.command()
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, WorkerEnv+"=1", AddrEnv+"="+c.addrs[i])
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("cluster: starting worker %d: %w", i, err)
	}
	c.mu.Lock()
	c.procs[i] = cmd
	c.mu.Unlock()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if st, err := c.Stats(i); err == nil && st.PID == cmd.Process.Pid {
			return nil
		}
	}
	return fmt.Errorf("cluster: worker %d on %s did not answer within 5s", i, c.addrs[i])
}

// Kill ends worker i with SIGKILL, as a crash would, and waits for it.
func (c *Cluster) Kill(i int) error {
	c.mu.Lock()
	cmd := c.procs[i]
	c.procs[i] = nil
	c.mu.Unlock()
	if cmd == nil {
		return fmt.Errorf("cluster: worker %d is not running", i)
	}
	cmd.Process.Kill()
	cmd.Wait()
	return nil
}

// Stats asks worker i for its counters.
func (c *Cluster) Stats(i int) (Stats, error) {
	var st Stats
	resp, err := c.client.Get("http://" + c.addrs[i] + ctlPath + "stats")
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	err = json.NewDecoder(resp.Body).Decode(&st)
	return st, err
}

// Stall switches worker i's stall on or off. A stalled worker holds every
// request, health checks too, until the stall is lifted or the caller
// gives up.
func (c *Cluster) Stall(i int, on bool) error {
	v := "0"
	if on {
		v = "1"
	}
	resp, err := c.client.Get("http://" + c.addrs[i] + ctlPath + "stall?on=" + v)
	if err != nil {
		return fmt.Errorf("cluster: stall worker %d: %w", i, err)
	}
	resp.Body.Close()
	return nil
}

// Close stops every worker: SIGTERM, then SIGKILL for any still running
// after 2 s.
func (c *Cluster) Close() error {
	c.mu.Lock()
	procs := append([]*exec.Cmd(nil), c.procs...)
	clear(c.procs)
	c.mu.Unlock()
	var errs []error
	for _, cmd := range procs {
		if cmd == nil {
			continue
		}
		cmd.Process.Signal(syscall.SIGTERM)
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		select {
		case <-exited:
		case <-time.After(2 * time.Second):
			cmd.Process.Kill()
			errs = append(errs, fmt.Errorf("cluster: pid %d ignored SIGTERM: %w", cmd.Process.Pid, <-exited))
		}
	}
	c.client.CloseIdleConnections()
	return errors.Join(errs...)
}
