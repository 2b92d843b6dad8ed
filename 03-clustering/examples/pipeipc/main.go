// Command pipeipc starts a copy of itself as a child process and talks to
// it over the child's stdin and stdout with encoding/json: one request
// object per line in, one reply per line out. It is the shape of
// process.send / process.on('message') in a Node.js cluster, spelled out:
//
//	go run ./03-clustering/examples/pipeipc
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"os/exec"
	"strings"
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
	t0 := time.Now()
	for i := range n {
		enc.Encode(request{ID: i, Text: "ping"})
		dec.Decode(&r)
	}
	el := time.Since(t0)
	fmt.Printf("%d request/reply round trips in %v: %v each\n", n, el.Round(time.Millisecond), (el / n).Round(100*time.Nanosecond))
	in.Close()
	fmt.Printf("child exited: %v\n", cmd.Wait())
}
