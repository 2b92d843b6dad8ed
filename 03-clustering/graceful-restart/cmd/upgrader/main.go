// Command upgrader starts the lab's server (this same program, run again
// as a server), sends it load from 8 clients, and upgrades it three times
// with SIGHUP, printing after each upgrade what the clients saw and which
// socket listens on the port:
//
//	go run ./03-clustering/graceful-restart/cmd/upgrader
//	go run ./03-clustering/graceful-restart/cmd/upgrader -crash   # the new binary crashes on start
//
// Everything listens on 127.0.0.1 only; the load stops after 4000 requests
// or 15 s.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"syscall"
	"time"

	restart "github.com/goperflabs/labs/03-clustering/graceful-restart"
)

func main() {
	if restart.IsServer() {
		if err := restart.Main(); err != nil {
			log.Fatal(err)
		}
		return
	}
	crash := flag.Bool("crash", false, "make every new generation crash on start")
	upgrades := flag.Int("n", 3, "upgrades")
	flag.Parse()
	exe, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "upgrader-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	fault := filepath.Join(dir, "fault")
	if *crash {
		defer os.WriteFile(fault, nil, 0o644)
	}
	l, err := restart.Launch(exe, nil, fault)
	if err != nil {
		log.Fatal(err)
	}
	defer l.Stop()
	if *crash {
		os.WriteFile(fault, []byte("crash"), 0o644) // after generation 1 started
	}
	go func() {
		for e := range l.Events {
			fmt.Printf("  status: pid %d %s\n", e.PID, e.What)
		}
	}()
	inode, _ := restart.ListenInode(l.Addr)
	fmt.Printf("listening on %s, socket inode %s, pid %d\n", l.Addr, inode, l.FirstPID())
	load := restart.StartLoad(l.Addr)
	time.Sleep(300 * time.Millisecond)
	pid := l.FirstPID()
	for i := range *upgrades {
		syscall.Kill(pid, syscall.SIGHUP)
		time.Sleep(500 * time.Millisecond)
		inode, _ := restart.ListenInode(l.Addr)
		fmt.Printf("upgrade %d: SIGHUP to pid %d; 500ms later the old pid is alive: %v, socket inode %s\n",
			i+1, pid, restart.Alive(pid), inode)
		pid = newest(l, pid)
	}
	res := load.Stop()
	fmt.Printf("clients: %d requests, %d refused, %d failed (first: %s), answers per pid %v\n",
		res.Sent, res.Refused, res.Failed, res.FirstFailure, res.ByPID)
}

// newest returns the pid now serving: a new one if the upgrade worked,
// else the old one if it still runs.
func newest(l *restart.Launcher, old int) int {
	best := old
	for _, p := range l.PIDs() {
		if p != old && restart.Alive(p) {
			best = p
		}
	}
	return best
}
