// Command productd serves product details over HTTP on loopback with the
// lab's Service: GET /products/{id} returns the product as JSON.
//
//	go run ./04-caching/cache-aside/cmd/productd            # serve on 127.0.0.1:8080
//	go run ./04-caching/cache-aside/cmd/productd -bench     # measure, print, exit
//
// Redis is an embedded miniredis unless -redis or PERFLAB_REDIS_URL names a
// real server (redis://127.0.0.1:6379/0); then productd keeps its keys
// under "perflab:productd:<random>:" and deletes them, and only them, when
// it exits. The catalogue is a fresh SQLite database in a temporary
// directory, with -db-delay added to every read to stand for a database
// across a network.
//
// With -bench it runs a bounded load loop against itself on loopback:
// a cold pass (each of -hot products once), a warm pass (-requests spread
// over the same products) and a pass with Redis down, and prints for each
// the DB queries, hit ratio and p50/p99 latency.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/alicebob/miniredis/v2"
	cacheaside "github.com/goperflabs/labs/04-caching/cache-aside"
	"github.com/goperflabs/labs/internal/catalog"
	"github.com/redis/go-redis/v9"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address (loopback only)")
	redisURL := flag.String("redis", os.Getenv("PERFLAB_REDIS_URL"), "real Redis URL (default $PERFLAB_REDIS_URL; empty = embedded miniredis)")
	products := flag.Int("products", 1000, "products in the catalogue")
	dbDelay := flag.Duration("db-delay", time.Millisecond, "latency added to every database read")
	bench := flag.Bool("bench", false, "run the load loop on loopback, print the figures and exit")
	hot := flag.Int("hot", 100, "-bench: distinct products requested")
	requests := flag.Int("requests", 2000, "-bench: requests in the warm pass (at most 100000)")
	flag.Parse()
	if err := run(*addr, *redisURL, *products, *dbDelay, *bench, *hot, min(*requests, 100000)); err != nil {
		fmt.Fprintln(os.Stderr, "productd:", err)
		os.Exit(1)
	}
}

func run(addr, redisURL string, products int, dbDelay time.Duration, bench bool, hot, requests int) error {
	ctx := context.Background()
	host, _, err := net.SplitHostPort(addr)
	if err != nil || (host != "127.0.0.1" && host != "localhost" && host != "::1") {
		return fmt.Errorf("-addr %q: serve on loopback only (127.0.0.1:port)", addr)
	}

	dir, err := os.MkdirTemp("", "productd-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := catalog.Open(ctx, dir, products)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetDelay(dbDelay)

	var opts *redis.Options
	backend := "embedded miniredis"
	if redisURL == "" {
		m := miniredis.NewMiniRedis()
		if err := m.StartAddr("127.0.0.1:0"); err != nil {
			return err
		}
		defer m.Close()
		opts = &redis.Options{Addr: m.Addr()}
	} else {
		if opts, err = redis.ParseURL(redisURL); err != nil {
			return fmt.Errorf("-redis %q: %w", redisURL, err)
		}
		backend = redisURL
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	if err := rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("cannot reach Redis at %s: %w", backend, err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	prefix := "perflab:productd:" + hex.EncodeToString(b) + ":"
	defer deletePrefix(rdb, prefix)

	logs := &countingHandler{next: slog.NewTextHandler(os.Stderr, nil), quietAfter: 3}
	log := slog.New(logs)
	var svc atomic.Pointer[cacheaside.Service]
	svc.Store(cacheaside.NewService(rdb, prefix, db, log))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /products/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			http.Error(w, "bad id", http.StatusBadRequest)
			return
		}
		p, err := svc.Load().Product(r.Context(), id)
		switch {
		case errors.Is(err, catalog.ErrNotFound):
			http.Error(w, "no such product", http.StatusNotFound)
			return
		case err != nil:
			log.Error("request failed", "id", id, "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(p)
	})

	if bench {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()

	if !bench {
		fmt.Printf("productd: serving %d products on http://%s/products/{id} (Redis: %s, db delay %v); Ctrl-C to stop\n",
			products, ln.Addr(), backend, dbDelay)
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, os.Interrupt)
		<-stop
		return nil
	}

	hot = max(1, min(hot, products))
	base := "http://" + ln.Addr().String() + "/products/"
	client := &http.Client{Timeout: 10 * time.Second}
	fmt.Printf("productd -bench: Redis %s, %d products, db delay %v, loopback HTTP, one client\n", backend, products, dbDelay)
	fmt.Printf("%-12s %8s %8s %10s %8s %10s %10s\n", "pass", "requests", "errors", "DB queries", "hit", "p50", "p99")
	pass := func(name string, n int) {
		db.ResetQueries()
		lat := make([]time.Duration, 0, n)
		errs := 0
		for i := range n {
			start := time.Now()
			resp, err := client.Get(base + strconv.Itoa(i%hot+1))
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					errs++
				}
			} else {
				errs++
			}
			lat = append(lat, time.Since(start))
		}
		slices.Sort(lat)
		q := db.Queries()
		fmt.Printf("%-12s %8d %8d %10d %7.1f%% %10v %10v\n", name, n, errs, q,
			100*(1-float64(q)/float64(n)), round(lat[n/2]), round(lat[min(n-1, n*99/100)]))
	}
	pass("cold", hot)
	pass("warm", requests)

	// Redis goes away: a client to a port nothing listens on, which gives up
	// after one failed dial.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	deadAddr := l.Addr().String()
	l.Close()
	dead := redis.NewClient(&redis.Options{Addr: deadAddr, DialerRetries: 1, MaxRetries: -1,
		DialTimeout: 200 * time.Millisecond, ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond})
	defer dead.Close()
	redis.SetLogger(quietRedis{})
	svc.Store(cacheaside.NewService(dead, prefix, db, log))
	logs.count.Store(0)
	pass("redis down", min(requests, 200))
	fmt.Printf("warnings and errors logged while Redis was down: %d\n", logs.count.Load())
	return nil
}

func round(d time.Duration) time.Duration {
	switch {
	case d > time.Millisecond:
		return d.Round(10 * time.Microsecond)
	case d > time.Microsecond:
		return d.Round(time.Microsecond)
	}
	return d
}

// deletePrefix removes this run's keys (SCAN + UNLINK), never anything else.
func deletePrefix(c *redis.Client, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, prefix+"*", 1000).Result()
		if err != nil {
			return
		}
		if len(keys) > 0 {
			c.Unlink(ctx, keys...)
		}
		if next == 0 {
			return
		}
		cursor = next
	}
}

// countingHandler counts records at Warn and above and passes only the
// first quietAfter of them on, so a dead Redis does not flood the terminal.
type countingHandler struct {
	next       slog.Handler
	quietAfter int64
	count      atomic.Int64
}

func (h *countingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}
func (h *countingHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn && h.count.Add(1) > h.quietAfter {
		return nil
	}
	return h.next.Handle(ctx, r)
}
func (h *countingHandler) WithAttrs(as []slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler         { return h }

type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}
