// Command load sends a bounded number of search requests to searchd on
// this machine and prints searchd's goroutine count as it goes:
//
//	go run ./01-memory/goroutine-leak/cmd/load -n 2000
//
// Some requests are cancelled early by the client (-cancel), as a user who
// closes the tab would. It only talks to loopback addresses, and stops
// after -n requests or -max time, whichever comes first.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var words = []string{"memory", "goroutine", "channel", "interface", "errors", "gofmt", "zero", "clever"}

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "searchd's base URL (loopback only)")
	n := flag.Int("n", 2000, "requests to send (at most 100000)")
	conc := flag.Int("c", 8, "requests in flight at once (at most 64)")
	cancelFrac := flag.Float64("cancel", 0.2, "fraction of requests the client cancels after 5ms")
	every := flag.Int("every", 500, "print searchd's goroutine count every this many requests")
	maxTime := flag.Duration("max", time.Minute, "stop after this long in any case")
	flag.Parse()

	u, err := url.Parse(*base)
	if err != nil {
		log.Fatal(err)
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		log.Fatalf("load: %s is not a loopback address; this tool only loads a server on this machine", u.Host)
	}
	*n = min(max(*n, 1), 100000)
	*conc = min(max(*conc, 1), 64)
	*every = max(*every, 1)

	ctx, stop := context.WithTimeout(context.Background(), *maxTime)
	defer stop()
	client := &http.Client{Timeout: 10 * time.Second}

	fmt.Printf("before: %s\n", goroutines(client, *base))
	var sent, ok, timedOut, cancelled atomic.Int64
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range *conc {
		wg.Go(func() {
			for range jobs {
				rctx, cancel := ctx, context.CancelFunc(func() {})
				if rand.Float64() < *cancelFrac {
					rctx, cancel = context.WithTimeout(ctx, 5*time.Millisecond)
				}
				q := words[rand.N(len(words))]
				req, _ := http.NewRequestWithContext(rctx, "GET", *base+"/search?q="+q, nil)
				resp, err := client.Do(req)
				switch {
				case err != nil:
					cancelled.Add(1)
				case resp.StatusCode == http.StatusGatewayTimeout:
					timedOut.Add(1)
				default:
					ok.Add(1)
				}
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				cancel()
			}
		})
	}
	start := time.Now()
	for i := 1; i <= *n && ctx.Err() == nil; i++ {
		jobs <- i
		sent.Add(1)
		if i%*every == 0 {
			fmt.Printf("sent %6d: %s\n", i, goroutines(client, *base))
		}
	}
	close(jobs)
	wg.Wait()
	time.Sleep(200 * time.Millisecond) // let searchd finish what it can
	fmt.Printf("done: %d requests in %v (%d answered, %d timed out, %d cancelled by the client)\n",
		sent.Load(), time.Since(start).Round(time.Millisecond), ok.Load(), timedOut.Load(), cancelled.Load())
	fmt.Printf("after: %s\n", goroutines(client, *base))
}

// goroutines returns the first line of searchd's goroutine profile,
// "goroutine profile: total N".
func goroutines(c *http.Client, base string) string {
	resp, err := c.Get(base + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		log.Fatalf("load: is searchd running? %v", err)
	}
	defer resp.Body.Close()
	line, _ := bufio.NewReader(resp.Body).ReadString('\n')
	return strings.TrimSpace(line)
}
