package restart

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Serve is one generation of the server: it serves App on AddrEnv's
// address until SIGTERM (then it drains and returns) or SIGHUP (then it
// hands over to a new process, its successor, and returns).
func Serve() error {
	ln, err := listen()
	if err != nil {
		return err
	}
	fresh := &freshConns{conns: map[net.Conn]bool{}}
	srv := &http.Server{Handler: App(), ReadHeaderTimeout: 5 * time.Second, ConnState: fresh.track}
	served := make(chan error, 1)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() { served <- srv.Serve(ln) }()
	NotifyReady()
	for {
		select {
		case err := <-served:
			return fmt.Errorf("serve: %w", err)
		case sig := <-sigs:
			if sig == syscall.SIGTERM {
				return drain(srv)
			}
			if err := upgrade(srv, ln, fresh); err != nil {
				Announce("upgrade-failed " + err.Error())
				continue
			}
			return nil
		}
	}
}

// inheritedFDVar tells a new process which file descriptor holds the
// listening socket it inherits, the way systemd's LISTEN_FDS does.
const inheritedFDVar = "PERFLAB_GR_LISTENER_FD"

// listen returns the listening socket: the one inherited from the
// previous generation if there is one, else a new one.
func listen() (net.Listener, error) {
	if fd, err := strconv.Atoi(os.Getenv(inheritedFDVar)); err == nil {
		f := os.NewFile(uintptr(fd), "listener")
		if f == nil {
			return nil, fmt.Errorf("listen: no file descriptor %d", fd)
		}
		defer f.Close() // FileListener made its own copy
		ln, err := net.FileListener(f)
		if err != nil {
			return nil, fmt.Errorf("listen: file descriptor %d: %w", fd, err)
		}
		return ln, nil
	}
	ln, err := net.Listen("tcp", os.Getenv(AddrEnv))
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	return ln, nil
}

// freshConns tracks the connections accepted whose first request has not
// been read yet (http.StateNew).
type freshConns struct {
	mu    sync.Mutex
	conns map[net.Conn]bool
}

func (f *freshConns) track(c net.Conn, s http.ConnState) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s == http.StateNew {
		f.conns[c] = true
	} else {
		delete(f.conns, c)
	}
}

// waitNone waits up to d until no connection is fresh.
func (f *freshConns) waitNone(d time.Duration) {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		f.mu.Lock()
		n := len(f.conns)
		f.mu.Unlock()
		if n == 0 {
			return
		}
	}
}

// upgrade starts the successor on the same listening socket and waits
// until it serves. Then this process stops accepting, lets the
// connections it has accepted but not yet read start their request (a
// Shutdown drops any whose request it reads after it began), and drains
// the requests in flight. If the successor fails to start, this process
// keeps serving.
func upgrade(srv *http.Server, ln net.Listener, fresh *freshConns) error {
	tl, ok := ln.(*net.TCPListener)
	if !ok {
		return fmt.Errorf("upgrade: listener is a %T, not a TCP listener", ln)
	}
	f, err := tl.File() // a duplicate the child can inherit; ln keeps serving
	if err != nil {
		return fmt.Errorf("upgrade: %w", err)
	}
	defer f.Close()
	next, err := Successor(f)
	if err != nil {
		return err
	}
	next.Cmd.Env = append(next.Cmd.Env, fmt.Sprintf("%s=%d", inheritedFDVar, FirstExtraFD))
	if err := next.Start(); err != nil {
		return err
	}
	if err := next.WaitReady(5 * time.Second); err != nil {
		next.Abandon()
		return err
	}
	ln.Close() // the successor accepts from the same socket from now on
	fresh.waitNone(time.Second)
	return drain(srv)
}

// drain stops accepting and waits up to 5 s for the requests in flight.
func drain(srv *http.Server) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("drain: %w", err)
	}
	return nil
}
