// Package balance puts a load balancer in front of worker processes: a
// reverse proxy that spreads requests over them, the job Node's cluster
// primary, nginx, HAProxy and Envoy do.
//
// The workers are given (worker.go, cluster.go): each is this program run
// again, serving HTTP on a loopback address of its own. The test switches
// faults on and off through a control path that only it uses: a stalled
// worker holds every request until the stall is lifted. The balancer
// (balancer.go) is what the lab is about.
package balance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// The environment a worker process is started with.
const (
	WorkerEnv = "PERFLAB_LB_WORKER" // "1" in a worker process
	AddrEnv   = "PERFLAB_LB_ADDR"   // the address it listens on, 127.0.0.1:port
)

// IsWorker reports whether this process was started as a worker.
func IsWorker() bool { return os.Getenv(WorkerEnv) == "1" }

// HealthPath answers 200 when the worker is well. A stalled worker holds
// it like any other request.
const HealthPath = "/healthz"

// ctlPath is the test's control path: never stalled, never counted.
const ctlPath = "/_ctl/"

// Stats are a worker's counters, as /_ctl/stats reports them.
type Stats struct {
	PID         int `json:"pid"`
	Received    int `json:"received"`      // requests, health checks not counted
	Health      int `json:"health"`        // health checks
	InFlight    int `json:"in_flight"`     // requests being served now, health checks not counted
	MaxInFlight int `json:"max_in_flight"` // the most served at once, health checks not counted
}

// Reply is what a worker answers to a request.
type Reply struct {
	PID  int    `json:"pid"`
	Addr string `json:"addr"`
}

// workerState is one worker process's counters and fault switch.
type workerState struct {
	addr string
	mu   sync.Mutex
	st   Stats
	// stalled is closed when the stall is lifted; nil when not stalled.
	stalled chan struct{}
}

// RunWorker is the whole life of a worker process: it serves HTTP on the
// address in AddrEnv until SIGTERM, or until its parent goes away.
func RunWorker() error {
	addr := os.Getenv(AddrEnv)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("worker: listen %s: %w", addr, err)
	}
	w := &workerState{addr: addr, st: Stats{PID: os.Getpid()}}
	srv := &http.Server{Handler: w, ReadHeaderTimeout: 5 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	go func() {
		parent := os.Getppid() // an orphan is adopted: its parent changes
		for ctx.Err() == nil && os.Getppid() == parent {
			time.Sleep(100 * time.Millisecond)
		}
		stop()
	}()
	go func() {
		<-ctx.Done()
		w.setStall(false)
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func (w *workerState) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case ctlPath + "stats":
		w.mu.Lock()
		st := w.st
		w.mu.Unlock()
		json.NewEncoder(rw).Encode(st)
		return
	case ctlPath + "stall":
		w.setStall(r.URL.Query().Get("on") == "1")
		return
	}
	health := r.URL.Path == HealthPath
	w.mu.Lock()
	if health {
		w.st.Health++
	} else {
		w.st.Received++
		w.st.InFlight++
		w.st.MaxInFlight = max(w.st.MaxInFlight, w.st.InFlight)
	}
	stalled := w.stalled
	w.mu.Unlock()
	if !health {
		defer func() {
			w.mu.Lock()
			w.st.InFlight--
			w.mu.Unlock()
		}()
	}
	if stalled != nil {
		select {
		case <-stalled:
		case <-r.Context().Done():
			return // the balancer or the client gave up
		}
	}
	if r.URL.Path == HealthPath {
		rw.Write([]byte("ok\n"))
		return
	}
	rw.Header().Set("Content-Type", "application/json")
	json.NewEncoder(rw).Encode(Reply{PID: os.Getpid(), Addr: w.addr})
}

// setStall switches the stall on or off; off releases every held request.
func (w *workerState) setStall(on bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case on && w.stalled == nil:
		w.stalled = make(chan struct{})
	case !on && w.stalled != nil:
		close(w.stalled)
		w.stalled = nil
	}
}
