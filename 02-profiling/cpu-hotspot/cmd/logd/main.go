// Command logd serves the log collector's ingest endpoint on a loopback
// port, with the profiling endpoints of net/http/pprof next to it, and
// sends itself batches of log lines for a while so there is something to
// profile.
//
//	go run ./02-profiling/cpu-hotspot/cmd/logd
//	go tool pprof -top 'http://127.0.0.1:6060/debug/pprof/profile?seconds=5'
//
// POST /ingest takes newline-separated lines and answers with the batch's
// figures as JSON. The load runs for -for (30s by default) from -clients
// goroutines over loopback, then logd prints the throughput and exits.
// -for 0 serves until you stop it with Ctrl-C.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof/ on http.DefaultServeMux
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	cpuhotspot "github.com/goperflabs/labs/02-profiling/cpu-hotspot"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:6060", "loopback address to listen on")
	dur := flag.Duration("for", 30*time.Second, "how long to send load to ourselves; 0 serves without load until Ctrl-C")
	clients := flag.Int("clients", 2, "concurrent load clients")
	flag.Parse()

	host, _, err := net.SplitHostPort(*addr)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		log.Fatalf("-addr %q: logd listens on loopback addresses only (127.0.0.1:PORT)", *addr)
	}
	http.HandleFunc("POST /ingest", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(cpuhotspot.Ingest(string(body)))
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: http.DefaultServeMux}
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Fatal(err)
		}
	}()
	fmt.Printf("logd on http://%s  (profiles: http://%s/debug/pprof/)\n", ln.Addr(), ln.Addr())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *dur > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *dur)
		defer cancel()
		fmt.Printf("sending batches of 500 lines from %d clients for %v\n", *clients, *dur)
		lines := load(ctx, "http://"+ln.Addr().String()+"/ingest", *clients)
		fmt.Printf("ingested %d lines in %v: %.0f lines/s\n", lines, *dur, float64(lines)/dur.Seconds())
	} else {
		<-ctx.Done()
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	srv.Shutdown(shutdown)
}

// load posts batches to url from n goroutines until ctx is done and
// returns how many lines the server ingested.
func load(ctx context.Context, url string, n int) int64 {
	body := strings.Join(cpuhotspot.SampleLog(500, 1), "\n")
	var total atomic.Int64
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, "POST", url, bytes.NewBufferString(body))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					continue
				}
				var st cpuhotspot.Stats
				if json.NewDecoder(resp.Body).Decode(&st) == nil {
					total.Add(int64(st.Lines))
				}
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	return total.Load()
}
