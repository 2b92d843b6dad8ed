// Package sharedstate is a small API, run as several worker processes,
// that limits each client to Limit requests per Window and counts every
// request it serves. The limit and the count are state; where that state
// lives decides whether the service tells the truth once there is more
// than one process.
package sharedstate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// The environment a worker process reads its configuration from.
const (
	WorkerEnv = "PERFLAB_SHARED_WORKER" // "1" in a worker process
	RedisEnv  = "PERFLAB_SHARED_REDIS"  // redis://host:port/db
	PrefixEnv = "PERFLAB_SHARED_PREFIX" // every Redis key starts with it
	LimitEnv  = "PERFLAB_SHARED_LIMIT"  // requests per client per window
	WindowEnv = "PERFLAB_SHARED_WINDOW" // a duration, such as 1m
)

// Config is what every worker of one service is started with.
type Config struct {
	RedisURL string
	Prefix   string
	Limit    int
	Window   time.Duration
}

func (c Config) env() []string {
	return []string{
		WorkerEnv + "=1",
		RedisEnv + "=" + c.RedisURL,
		PrefixEnv + "=" + c.Prefix,
		LimitEnv + "=" + strconv.Itoa(c.Limit),
		WindowEnv + "=" + c.Window.String(),
	}
}

// IsWorker reports whether this process was started as a worker.
func IsWorker() bool { return os.Getenv(WorkerEnv) == "1" }

// Handler serves the API from one worker's State:
//
//	GET /api?client=NAME   200 "ok", or 429 once NAME is over its limit
//	GET /stats             {"hits": N}: requests to /api counted so far
func Handler(st *State) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api", func(w http.ResponseWriter, r *http.Request) {
		client := r.URL.Query().Get("client")
		if client == "" {
			http.Error(w, "missing ?client=", http.StatusBadRequest)
			return
		}
		ok, err := st.Allow(r.Context(), client)
		switch {
		case err != nil:
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
		case !ok:
			http.Error(w, "rate limit exceeded", http.StatusTooManyRequests)
		default:
			fmt.Fprintln(w, "ok")
		}
	})
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		hits, err := st.Hits(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]int64{"hits": hits})
	})
	return mux
}

// RunWorker is the whole life of a worker process: it reads its Config
// from the environment, connects to Redis, and serves Handler on the
// listener it inherited as file descriptor 3 until SIGTERM, SIGINT, or its
// parent going away.
func RunWorker() error {
	limit, err := strconv.Atoi(os.Getenv(LimitEnv))
	if err != nil {
		return fmt.Errorf("worker: %s: %v", LimitEnv, err)
	}
	window, err := time.ParseDuration(os.Getenv(WindowEnv))
	if err != nil {
		return fmt.Errorf("worker: %s: %v", WindowEnv, err)
	}
	opts, err := redis.ParseURL(os.Getenv(RedisEnv))
	if err != nil {
		return fmt.Errorf("worker: %s: %v", RedisEnv, err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	st := NewState(rdb, os.Getenv(PrefixEnv), limit, window)

	f := os.NewFile(3, "listener")
	if f == nil {
		return errors.New("worker: no listener on file descriptor 3")
	}
	ln, err := net.FileListener(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("worker: file descriptor 3 is not a listener: %v", err)
	}
	srv := &http.Server{Handler: Handler(st), ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	go func() {
		for parent := os.Getppid(); ctx.Err() == nil && os.Getppid() == parent; {
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
	<-drained
	return nil
}

// Cluster is a set of running worker processes.
type Cluster struct {
	Addrs []string // each worker's 127.0.0.1:port, in start order
	cmds  []*exec.Cmd
}

// Start starts n worker processes with cfg. command returns a command
// that runs a program calling RunWorker when IsWorker is true; Start adds
// the environment and the listener. Stop them with Stop.
func Start(n int, cfg Config, command func() *exec.Cmd) (*Cluster, error) {
	c := &Cluster{}
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			c.Stop()
			return nil, err
		}
		f, err := ln.(*net.TCPListener).File()
		ln.Close()
		if err != nil {
			c.Stop()
			return nil, err
		}
		cmd := command()
		if cmd.Env == nil {
			cmd.Env = os.Environ()
		}
		cmd.Env = append(cmd.Env, cfg.env()...)
		cmd.ExtraFiles = []*os.File{f}
		err = cmd.Start()
		f.Close() // the worker has its own copy now
		if err != nil {
			c.Stop()
			return nil, err
		}
		c.cmds = append(c.cmds, cmd)
		c.Addrs = append(c.Addrs, ln.Addr().String())
	}
	return c, nil
}

// Stop asks every worker to exit (SIGTERM), kills those still running
// after 3 seconds, and waits for all of them. It returns an error for each
// worker that did not exit cleanly with status 0: one that had to be
// killed, or one that exited with an error (status 66 is the race
// detector's, in a worker built with -race).
func (c *Cluster) Stop() error {
	for _, cmd := range c.cmds {
		cmd.Process.Signal(syscall.SIGTERM)
	}
	var errs []error
	for i, cmd := range c.cmds {
		t := time.AfterFunc(3*time.Second, func() { cmd.Process.Kill() })
		if err := cmd.Wait(); err != nil {
			errs = append(errs, fmt.Errorf("worker %d (pid %d): %w", i, cmd.Process.Pid, err))
		}
		t.Stop()
	}
	c.cmds = nil
	return errors.Join(errs...)
}
