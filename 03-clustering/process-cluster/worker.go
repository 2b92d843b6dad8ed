// Package cluster runs an HTTP service as a supervisor process and a few
// worker processes, the way Node.js's cluster module runs a primary and
// its forked workers. The supervisor owns the sockets: it opens one
// loopback listener per worker and hands it to the worker process as file
// descriptor 3, and it balances incoming requests over the workers with a
// reverse proxy.
package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// The environment a worker process is started with.
const (
	WorkerEnv = "PERFLAB_CLUSTER_WORKER" // "1" in a worker process
	SlotEnv   = "PERFLAB_CLUSTER_SLOT"   // the worker's slot number, 0 to Workers-1
)

// IsWorker reports whether this process was started as a worker.
func IsWorker() bool { return os.Getenv(WorkerEnv) == "1" }

// Reply is what a worker answers to every request.
type Reply struct {
	Slot int `json:"slot"`
	PID  int `json:"pid"`
}

// RunWorker is the whole life of a worker process: it serves HTTP on the
// listener it inherited as file descriptor 3 until it gets SIGTERM or
// SIGINT, then finishes the requests in flight and returns. It also
// returns if its supervisor goes away, so a worker never outlives it.
func RunWorker() error {
	slot, err := strconv.Atoi(os.Getenv(SlotEnv))
	if err != nil {
		return fmt.Errorf("worker: %s=%q: %v", SlotEnv, os.Getenv(SlotEnv), err)
	}
	f := os.NewFile(3, "listener")
	if f == nil {
		return errors.New("worker: no listener on file descriptor 3")
	}
	ln, err := net.FileListener(f)
	f.Close() // FileListener made its own copy
	if err != nil {
		return fmt.Errorf("worker: file descriptor 3 is not a listener: %v", err)
	}
	reply, _ := json.Marshal(Reply{Slot: slot, PID: os.Getpid()})
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write(reply)
		}),
		ReadHeaderTimeout: 5 * time.Second,
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	go func() {
		// An orphan is adopted by another process: its parent changes.
		parent := os.Getppid()
		for ctx.Err() == nil && os.Getppid() == parent {
			time.Sleep(100 * time.Millisecond)
		}
		stop()
	}()
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	<-drained // Serve returns at once; Shutdown waits for the requests in flight
	return nil
}
