// Command reuseport opens three listeners on the same loopback port with
// SO_REUSEPORT, as three worker processes would, makes 3,000 short
// connections to that port and counts how many each listener accepted.
// The kernel picks the listener by a hash of each connection's addresses
// and ports:
//
//	go run ./03-clustering/examples/reuseport
package main

import (
	"context"
	"fmt"
	"log"
	"net"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

func main() {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	first, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	addr := first.Addr().String()
	lns := []net.Listener{first}
	for range 2 {
		ln, err := lc.Listen(context.Background(), "tcp", addr)
		if err != nil {
			log.Fatal(err)
		}
		lns = append(lns, ln)
	}
	fmt.Printf("3 listeners on %s\n", addr)

	counts := make([]atomic.Int64, len(lns))
	var wg sync.WaitGroup
	for i, ln := range lns {
		wg.Go(func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				counts[i].Add(1)
				c.Close()
			}
		})
	}
	const n = 3000
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			log.Fatal(err)
		}
		buf := make([]byte, 1)
		c.Read(buf) // wait for the listener's close, so every accept is counted
		c.Close()
	}
	for _, ln := range lns {
		ln.Close()
	}
	wg.Wait()
	for i := range counts {
		fmt.Printf("listener %d accepted %d of %d connections\n", i, counts[i].Load(), n)
	}
}
