// Command front starts four workers (this same program, run again as a
// worker) behind the lab's balancer and runs three rounds of load through
// it, printing what each worker received and the clients' latencies:
//
//	go run ./03-clustering/load-balancing/cmd/front
//
// Round 1 stalls worker 2; round 2 kills worker 1 (and then restarts it
// and sends a little more); round 3 sends requests one at a time to four
// healthy workers. Everything listens on 127.0.0.1 only, and every round
// is bounded in requests and time.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"time"

	balance "github.com/goperflabs/labs/03-clustering/load-balancing"
)

func main() {
	if balance.IsWorker() {
		if err := balance.RunWorker(); err != nil {
			log.Fatal(err)
		}
		return
	}
	seed := flag.Uint64("seed", 42, "seed of the balancer's randomness")
	flag.Parse()
	exe, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	c, err := balance.StartCluster(4, func() *exec.Cmd {
		cmd := exec.Command(exe)
		cmd.Stderr = os.Stderr
		return cmd
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	b := balance.New(c.URLs(), *seed)
	defer b.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: b}
	go srv.Serve(ln)
	defer srv.Close()
	front := "http://" + ln.Addr().String() + "/"
	fmt.Printf("front %s, workers %v\n", front, c.URLs())

	c.Stall(2, true)
	round(c, "1. worker 2 stalled, 16 clients", front, balance.Load{Clients: 16, Max: 2000, Within: 2 * time.Second, Timeout: time.Second})
	c.Stall(2, false)

	c.Kill(1)
	round(c, "2. worker 1 killed, 4 clients", front, balance.Load{Clients: 4, Max: 300, Within: 3 * time.Second, Timeout: time.Second})
	if err := c.Restart(1); err != nil {
		log.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	round(c, "   worker 1 restarted 500ms ago", front, balance.Load{Clients: 4, Max: 200, Within: 3 * time.Second, Timeout: time.Second})

	round(c, "3. all healthy, 1 client", front, balance.Load{Clients: 1, Max: 300, Within: 5 * time.Second, Timeout: time.Second})
}

// round runs one load and prints what each worker received during it.
func round(c *balance.Cluster, name, front string, l balance.Load) {
	before := received(c)
	t0 := time.Now()
	res := l.Run(front)
	after := received(c)
	for i := range after {
		if after[i] >= 0 && before[i] >= 0 {
			after[i] -= before[i]
		}
	}
	fmt.Printf("%s: %d requests in %v, %d failed, p50 %v, p99 %v; received per worker %v (-1: not running)\n",
		name, res.Sent, time.Since(t0).Round(time.Millisecond), res.Failed,
		res.Percentile(50).Round(10*time.Microsecond), res.Percentile(99).Round(10*time.Microsecond), after)
}

// received returns each worker's request count, -1 for one not running.
func received(c *balance.Cluster) []int {
	n := len(c.URLs())
	out := make([]int, n)
	for i := range n {
		out[i] = -1
		if c.Pid(i) == 0 {
			continue
		}
		if st, err := c.Stats(i); err == nil {
			out[i] = st.Received
		}
	}
	return out
}
