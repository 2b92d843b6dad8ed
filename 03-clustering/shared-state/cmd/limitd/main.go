// Command limitd starts an embedded Redis (miniredis) and three worker
// processes of the rate-limited API (this same program, started again as
// a worker), sends each client a burst of requests round-robin over the
// workers, and prints what each worker allowed and counted:
//
//	go run ./03-clustering/shared-state/cmd/limitd
//
// Everything listens on 127.0.0.1 only.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"

	sharedstate "github.com/goperflabs/labs/03-clustering/shared-state"
)

func main() {
	if sharedstate.IsWorker() {
		if err := sharedstate.RunWorker(); err != nil {
			log.Fatal(err)
		}
		return
	}
	workers := flag.Int("workers", 3, "worker processes")
	limit := flag.Int("limit", 100, "requests per client per window")
	n := flag.Int("n", 300, "requests per client")
	flag.Parse()

	mr := miniredis.NewMiniRedis()
	if err := mr.StartAddr("127.0.0.1:0"); err != nil {
		log.Fatal(err)
	}
	defer mr.Close()
	exe, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	c, err := sharedstate.Start(*workers, sharedstate.Config{
		RedisURL: "redis://" + mr.Addr() + "/0", Prefix: "perflab:limitd:", Limit: *limit, Window: time.Minute,
	}, func() *exec.Cmd {
		cmd := exec.Command(exe)
		cmd.Stderr = os.Stderr
		return cmd
	})
	if err != nil {
		log.Fatal(err)
	}
	defer func() {
		if err := c.Stop(); err != nil {
			log.Print(err)
		}
	}()
	fmt.Printf("%d workers %v, limit %d per client per minute\n", *workers, c.Addrs, *limit)

	hc := &http.Client{Timeout: 5 * time.Second}
	get := func(addr, path string) (int, string) {
		resp, err := hc.Get("http://" + addr + path)
		if err != nil {
			log.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(b))
	}
	next := 0
	for _, client := range []string{"alice", "bob"} {
		allowed := make([]int, *workers)
		total := 0
		for range *n {
			w := next % *workers
			next++
			if code, _ := get(c.Addrs[w], "/api?client="+client); code == http.StatusOK {
				allowed[w]++
				total++
			}
		}
		fmt.Printf("%-5s: %d requests, %d allowed (per worker %v), %d refused\n", client, *n, total, allowed, *n-total)
	}
	for w, addr := range c.Addrs {
		_, body := get(addr, "/stats")
		fmt.Printf("worker %d /stats: %s\n", w, body)
	}
	keys := mr.Keys()
	fmt.Printf("keys in Redis: %d %v\n", len(keys), keys)
}
