package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Supervisor starts Workers worker processes, keeps them running, and
// balances the requests that reach its front address over them,
// round-robin.
type Supervisor struct {
	// Workers is how many worker processes to run.
	Workers int
	// Command returns a command that starts one worker process: a program
	// that calls RunWorker when IsWorker reports true. The supervisor adds
	// the listener (ExtraFiles) and the environment (WorkerEnv, SlotEnv).
	Command func() *exec.Cmd
	// Log receives one line per worker started or stopped; nil discards.
	Log *log.Logger

	front *http.Server
	tr    *http.Transport
	slots []*slot
	next  atomic.Uint64 // round-robin position
	wg    sync.WaitGroup

	mu      sync.Mutex
	closing bool
	stop    chan struct{} // closed by Shutdown
}

// slot is one worker position. Its listener belongs to the supervisor and
// outlives any one worker process, so a new worker can take over the same
// socket.
type slot struct {
	file *os.File // the listening socket, handed to each worker as fd 3
	url  *url.URL // http://127.0.0.1:port
	cmd  *exec.Cmd
	pid  int
}

var errClosing = errors.New("supervisor is shutting down")

func (s *Supervisor) logf(format string, args ...any) {
	if s.Log != nil {
		s.Log.Printf(format, args...)
	}
}

// Start opens the sockets, starts the workers and serves the front
// address, which it returns ("127.0.0.1:port").
func (s *Supervisor) Start() (string, error) {
	if s.Workers < 1 || s.Command == nil {
		return "", errors.New("cluster: Supervisor needs Workers ≥ 1 and a Command")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	for range s.Workers {
		wl, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			ln.Close()
			s.closeSockets()
			return "", err
		}
		f, err := wl.(*net.TCPListener).File() // a copy the child can inherit
		wl.Close()
		if err != nil {
			ln.Close()
			s.closeSockets()
			return "", err
		}
		s.slots = append(s.slots, &slot{file: f, url: &url.URL{Scheme: "http", Host: wl.Addr().String()}})
	}
	s.stop = make(chan struct{})
	for i := range s.slots {
		s.wg.Add(1)
		go s.run(i)
	}

	s.tr = &http.Transport{ResponseHeaderTimeout: 2 * time.Second, MaxIdleConnsPerHost: 16}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(s.slots[s.pick()].url)
		},
		Transport: s.tr,
		ErrorLog:  log.New(io.Discard, "", 0),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			http.Error(w, "worker unavailable: "+err.Error(), http.StatusBadGateway)
		},
	}
	s.front = &http.Server{Handler: proxy, ReadHeaderTimeout: 5 * time.Second}
	go s.front.Serve(ln)
	return ln.Addr().String(), nil
}

// pick returns the slot for the next request: round-robin.
func (s *Supervisor) pick() int {
	return int((s.next.Add(1) - 1) % uint64(len(s.slots)))
}

// spawn starts a worker process for slot i, unless the supervisor is
// shutting down.
func (s *Supervisor) spawn(i int) (*exec.Cmd, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return nil, errClosing
	}
	sl := s.slots[i]
	cmd := s.Command()
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, WorkerEnv+"=1", fmt.Sprintf("%s=%d", SlotEnv, i))
	cmd.ExtraFiles = []*os.File{sl.file} // becomes fd 3 in the worker
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	sl.cmd, sl.pid = cmd, cmd.Process.Pid
	s.logf("worker %d started, pid %d", i, sl.pid)
	return cmd, nil
}

// run keeps slot i's worker running, pausing between quick crashes; the
// pause ends early when Shutdown closes s.stop.
func (s *Supervisor) run(i int) {
	defer s.wg.Done()
	const first, most = 50 * time.Millisecond, 5 * time.Second
	pause := first
	for {
		cmd, err := s.spawn(i)
		if errors.Is(err, errClosing) {
			return
		}
		if err != nil {
			s.logf("worker %d: %v", i, err)
		} else {
			started := time.Now()
			err = cmd.Wait()
			s.mu.Lock()
			s.slots[i].cmd, s.slots[i].pid = nil, 0
			s.mu.Unlock()
			s.logf("worker %d (pid %d) exited: %v", i, cmd.Process.Pid, err)
			if time.Since(started) > 10*time.Second {
				pause = first
			}
		}
		t := time.NewTimer(pause)
		select {
		case <-s.stop:
			t.Stop()
			return
		case <-t.C:
		}
		pause = min(pause*3/2, most)
	}
}

// Pids returns the process id of each slot's worker, 0 for a slot with no
// worker running.
func (s *Supervisor) Pids() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	pids := make([]int, len(s.slots))
	for i, sl := range s.slots {
		pids[i] = sl.pid
	}
	return pids
}

// Shutdown stops accepting requests, asks every worker to finish (SIGTERM)
// and waits for them to exit. If ctx ends first, it kills them (SIGKILL),
// waits for that, and returns ctx.Err().
func (s *Supervisor) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.closing && s.stop != nil {
		close(s.stop)
	}
	s.closing = true
	s.mu.Unlock()
	if s.front != nil {
		s.front.Shutdown(ctx)
		s.tr.CloseIdleConnections()
	}
	s.signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
		s.signal(syscall.SIGKILL)
		<-done
	}
	s.closeSockets()
	return err
}

// signal sends sig to every running worker.
func (s *Supervisor) signal(sig os.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sl := range s.slots {
		if sl.cmd != nil {
			sl.cmd.Process.Signal(sig)
		}
	}
}

func (s *Supervisor) closeSockets() {
	for _, sl := range s.slots {
		sl.file.Close()
	}
}
