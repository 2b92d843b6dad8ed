package restart

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
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
	srv := &http.Server{Handler: App(), ReadHeaderTimeout: 5 * time.Second}
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
			if err := upgrade(srv); err != nil {
				Announce("upgrade-failed " + err.Error())
				continue
			}
			return nil
		}
	}
}

// listen opens the server's listening socket.
func listen() (net.Listener, error) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, 0xf /* SO_REUSEPORT */, 1)
		})
		return errors.Join(err, serr)
	}}
	ln, err := lc.Listen(context.Background(), "tcp", os.Getenv(AddrEnv))
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	return ln, nil
}

// upgrade starts the successor and hands the service over to it.
func upgrade(srv *http.Server) error {
	next, err := Successor() // it opens its own socket on the same port
	if err != nil {
		return err
	}
	if err := next.Start(); err != nil {
		return err
	}
	if err := next.WaitReady(5 * time.Second); err != nil {
		next.Abandon()
		return err
	}
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
