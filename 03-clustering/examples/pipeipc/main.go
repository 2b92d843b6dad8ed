// Command pipeipc starts a copy of itself as a child process and talks to
// it over the child's stdin and stdout with encoding/json: one request
// object per line in, one reply per line out. It is the shape of
// process.send / process.on('message') in a Node.js cluster, spelled out:
//
//	go run ./03-clustering/examples/pipeipc
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

type request struct {
	ID   int    `json:"id"`
	Text string `json:"text"`
}

type reply struct {
	ID    int    `json:"id"`
	Upper string `json:"upper"`
	PID   int    `json:"pid"`
}

func child() {
	dec, enc := json.NewDecoder(os.Stdin), json.NewEncoder(os.Stdout)
	for {
		var r request
		if err := dec.Decode(&r); err != nil {
			return // stdin closed: the parent is done with us
		}
		enc.Encode(reply{ID: r.ID, Upper: strings.ToUpper(r.Text), PID: os.Getpid()})
	}
}

func main() {
	if os.Getenv("PIPEIPC_CHILD") == "1" {
		child()
		return
	}
	exe, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), "PIPEIPC_CHILD=1")
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	enc, dec := json.NewEncoder(in), json.NewDecoder(bufio.NewReader(out))
	fmt.Printf("parent pid %d, child pid %d\n", os.Getpid(), cmd.Process.Pid)
	var r reply
	for i, w := range []string{"fork", "pipe", "reply"} {
		enc.Encode(request{ID: i, Text: w})
		if err := dec.Decode(&r); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("sent %q, got %+v\n", w, r)
	}
	const n = 20000
	cpu0, t0 := cpuTime(syscall.RUSAGE_SELF), time.Now()
	for i := range n {
		enc.Encode(request{ID: i, Text: "ping"})
		dec.Decode(&r)
	}
	el, parent := time.Since(t0), cpuTime(syscall.RUSAGE_SELF)-cpu0
	in.Close()
	err = cmd.Wait()
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	child := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	per := func(d time.Duration) time.Duration { return (d / n).Round(100 * time.Nanosecond) }
	fmt.Printf("%d request/reply round trips in %v: %v each\n", n, el.Round(time.Millisecond), per(el))
	fmt.Printf("  CPU per round trip: parent %v, child %v (user + system, getrusage)\n", per(parent), per(child))
	fmt.Printf("  of which JSON, 2 encodes + 2 decodes measured alone in this process: %v\n", codecCost(n))
	fmt.Printf("child exited: %v\n", err)
}

// cpuTime returns the user + system CPU time of who (RUSAGE_SELF, ...).
func cpuTime(who int) time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(who, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// codecCost returns the CPU time one round trip costs in encoding/json
// alone: the parent encodes a request, the child decodes it and encodes a
// reply, the parent decodes that, all through a buffer in this process,
// with no pipe and no other process to wake. CPU time, not wall time, so
// that other processes on a busy machine do not count.
func codecCost(n int) time.Duration {
	var buf bytes.Buffer
	enc, dec := json.NewEncoder(&buf), json.NewDecoder(&buf)
	var req request
	var rep reply
	c0 := cpuTime(syscall.RUSAGE_SELF)
	for i := range n {
		enc.Encode(request{ID: i, Text: "ping"})
		dec.Decode(&req)
		enc.Encode(reply{ID: req.ID, Upper: strings.ToUpper(req.Text), PID: 1})
		dec.Decode(&rep)
	}
	return ((cpuTime(syscall.RUSAGE_SELF) - c0) / time.Duration(n)).Round(100 * time.Nanosecond)
}
