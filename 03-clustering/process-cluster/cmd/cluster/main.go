// Command cluster runs the lab's supervisor with three workers (this same
// program, started again as a worker), sends it traffic, kills a worker,
// sends more, and shuts down:
//
//	go run ./03-clustering/process-cluster/cmd/cluster
//
// With -serve it only starts the cluster and serves until Ctrl-C on the
// front address it prints ("front on 127.0.0.1:PORT"):
//
//	go run ./03-clustering/process-cluster/cmd/cluster -serve
//	curl -s 127.0.0.1:PORT/
//
// Everything listens on 127.0.0.1 only.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	cluster "github.com/goperflabs/labs/03-clustering/process-cluster"
)

func main() {
	if cluster.IsWorker() {
		if err := cluster.RunWorker(); err != nil {
			log.Fatal(err)
		}
		return
	}
	workers := flag.Int("workers", 3, "worker processes")
	n := flag.Int("n", 150, "requests per round")
	timeout := flag.Duration("timeout", 100*time.Millisecond, "how long the client waits for each answer")
	serve := flag.Bool("serve", false, "only run the cluster until Ctrl-C")
	flag.Parse()

	exe, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	s := &cluster.Supervisor{
		Workers: *workers,
		Command: func() *exec.Cmd {
			cmd := exec.Command(exe)
			cmd.Stderr = os.Stderr
			return cmd
		},
		Log: log.New(os.Stderr, "supervisor: ", log.Ltime|log.Lmicroseconds),
	}
	addr, err := s.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := s.Shutdown(ctx)
		fmt.Printf("shutdown: %v; pids now %v\n", err, s.Pids())
	}()
	time.Sleep(300 * time.Millisecond) // let the workers start
	fmt.Printf("front on %s, workers %v\n", addr, s.Pids())

	if *serve {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		<-ctx.Done()
		return
	}

	round := func(name string) {
		c := &http.Client{Timeout: *timeout}
		defer c.CloseIdleConnections()
		per, failed := map[int]int{}, 0
		t0 := time.Now()
		for range *n {
			resp, err := c.Get("http://" + addr + "/")
			if err != nil {
				failed++
				continue
			}
			var r cluster.Reply
			json.NewDecoder(resp.Body).Decode(&r)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				failed++
				continue
			}
			per[r.PID]++
		}
		fmt.Printf("%s: %d requests in %v: answers per worker pid %v, failed %d\n",
			name, *n, time.Since(t0).Round(time.Millisecond), per, failed)
	}
	round("round 1")
	victim := s.Pids()[1]
	fmt.Printf("kill -9 %d (worker 1)\n", victim)
	syscall.Kill(victim, syscall.SIGKILL)
	time.Sleep(500 * time.Millisecond)
	fmt.Printf("500ms later, workers %v\n", s.Pids())
	round("round 2")
}
