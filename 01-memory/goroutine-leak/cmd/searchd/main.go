// Command searchd serves the lab's fan-out search over HTTP, with the
// runtime's profiles beside it:
//
//	go run ./01-memory/goroutine-leak/cmd/searchd
//	curl -s '127.0.0.1:8080/search?q=memory'
//	curl -s '127.0.0.1:8080/debug/pprof/goroutine?debug=1' | head
//
// Each request asks three fake replicas with random latencies and keeps the
// first answer; a request gives up after -timeout. It listens on the
// loopback interface only.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof/ on http.DefaultServeMux
	"os"
	"os/signal"
	"runtime/metrics"
	"time"

	search "github.com/goperflabs/labs/01-memory/goroutine-leak"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on (loopback only)")
	timeout := flag.Duration("timeout", 25*time.Millisecond, "how long one search may take")
	flag.Parse()

	host, _, err := net.SplitHostPort(*addr)
	if ip := net.ParseIP(host); err != nil || host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		log.Fatalf("searchd: -addr %q: listen on a loopback address such as 127.0.0.1:8080", *addr)
	}

	s := &search.Searcher{
		Backends: []search.Backend{
			&search.Replica{ID: "replica-a", Latency: 2 * time.Millisecond, Jitter: 30 * time.Millisecond},
			&search.Replica{ID: "replica-b", Latency: 5 * time.Millisecond, Jitter: 30 * time.Millisecond},
			&search.Replica{ID: "replica-c", Latency: 10 * time.Millisecond, Jitter: 60 * time.Millisecond},
		},
		Timeout: *timeout,
	}

	http.HandleFunc("GET /search", func(w http.ResponseWriter, r *http.Request) {
		res, err := s.Search(r.Context(), r.URL.Query().Get("q"))
		w.Header().Set("Content-Type", "application/json")
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			w.WriteHeader(http.StatusGatewayTimeout)
		case errors.Is(err, context.Canceled):
			return // the client has gone; nobody reads an answer
		case err != nil:
			w.WriteHeader(http.StatusBadGateway)
		}
		if err != nil {
			json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
			return
		}
		json.NewEncoder(w).Encode(res)
	})
	// /stats reads a few figures from runtime/metrics, the runtime's
	// cheap, stable statistics interface.
	http.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		samples := []metrics.Sample{
			{Name: "/sched/goroutines:goroutines"},
			{Name: "/memory/classes/heap/stacks:bytes"},
			{Name: "/gc/heap/live:bytes"},
			{Name: "/gc/cycles/total:gc-cycles"},
		}
		metrics.Read(samples)
		out := map[string]uint64{}
		for _, s := range samples {
			if s.Value.Kind() == metrics.KindUint64 {
				out[s.Name] = s.Value.Uint64()
			}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
	})

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second}
	go func() {
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, os.Interrupt)
		<-stop
		srv.Shutdown(context.Background())
	}()
	log.Printf("searchd: listening on http://%s (search: /search?q=memory, profiles: /debug/pprof/)", ln.Addr())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
