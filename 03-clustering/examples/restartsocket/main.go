// Command restartsocket measures what a restart does to the connections
// waiting in a listener's accept queue, on loopback. An "old" server stops
// while 20 clients have connected and sent a request that nobody has
// accepted yet; a "new" server answers what it can. Two ways to hand over:
//
//   - SO_REUSEPORT: the new server opens its own socket on the same port.
//     The kernel spreads connections over both sockets, and the ones queued
//     on the old socket are reset when it closes.
//
//   - Inheritance: the new server gets a copy of the old one's socket (here
//     a dup, as exec.Cmd.ExtraFiles or systemd would pass it). Closing the
//     old copy leaves the socket, and its queue, to the new one.
//
//     go run ./03-clustering/examples/restartsocket
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

const clients = 20

func reusePort(_, _ string, c syscall.RawConn) error {
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
	}); err != nil {
		return err
	}
	return serr
}

// dialAll connects clients times to addr and sends one request on each;
// the connections complete in the kernel even though nobody accepts.
func dialAll(addr string) []net.Conn {
	var conns []net.Conn
	for range clients {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Fprintln(c, "GET")
		conns = append(conns, c)
	}
	return conns
}

// serve accepts on ln until it has been idle for 200ms, answering "ok" to
// each request.
func serve(ln net.Listener) {
	for {
		ln.(interface{ SetDeadline(time.Time) error }).SetDeadline(time.Now().Add(200 * time.Millisecond))
		c, err := ln.Accept()
		if err != nil {
			return
		}
		bufio.NewReader(c).ReadString('\n')
		fmt.Fprintln(c, "ok")
		c.Close()
	}
}

// tally reads each client's answer: ok, reset, or nothing.
func tally(conns []net.Conn) (ok, reset, other int) {
	for _, c := range conns {
		c.SetReadDeadline(time.Now().Add(time.Second))
		line, err := bufio.NewReader(c).ReadString('\n')
		switch {
		case err == nil && line == "ok\n":
			ok++
		case errors.Is(err, syscall.ECONNRESET):
			reset++
		default:
			other++
		}
		c.Close()
	}
	return ok, reset, other
}

func main() {
	lc := net.ListenConfig{Control: reusePort}
	old, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	addr := old.Addr().String()
	next, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	conns := dialAll(addr)
	old.Close() // the old server exits without accepting its queue
	serve(next)
	ok, reset, other := tally(conns)
	next.Close()
	fmt.Printf("SO_REUSEPORT, old socket closed: %d answered, %d reset, %d other, of %d\n", ok, reset, other, clients)

	old, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	f, err := old.(*net.TCPListener).File() // the copy a new process would inherit
	if err != nil {
		log.Fatal(err)
	}
	inherited, err := net.FileListener(f)
	f.Close()
	if err != nil {
		log.Fatal(err)
	}
	conns = dialAll(old.Addr().String())
	old.Close()
	serve(inherited)
	ok, reset, other = tally(conns)
	inherited.Close()
	fmt.Printf("inherited socket, old copy closed: %d answered, %d reset, %d other, of %d\n", ok, reset, other, clients)
}
