// Command shopd serves the product catalogue of the live-pprof lab. With
// -load it also drives itself with the bundled load generator for that
// long, over loopback, prints what each route saw and exits; profile it
// while the load runs:
//
//	go run ./02-profiling/live-pprof/cmd/shopd -load 30s &
//	go tool pprof -top 'http://127.0.0.1:8080/debug/pprof/profile?seconds=10'
//
// (the log line at start says where the profiling endpoints are). Without
// -load it serves until interrupted.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"time"

	livepprof "github.com/goperflabs/labs/02-profiling/live-pprof"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "public listener")
	admin := flag.String("admin", "127.0.0.1:6060", "admin listener (loopback only)")
	products := flag.Int("products", livepprof.DefaultProducts, "products in the catalogue")
	load := flag.Duration("load", 0, "drive the service with the load generator for this long, then exit (at most 2m)")
	workers := flag.Int("workers", 4, "concurrent clients of the load generator (at most 8)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	srv, err := livepprof.Start(livepprof.Config{Addr: *addr, AdminAddr: *admin, Products: *products, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	if *load == 0 {
		<-ctx.Done()
		return
	}
	if err := drive(ctx, srv, *load, *workers, *products); err != nil {
		log.Fatal(err)
	}
}

func drive(ctx context.Context, srv *livepprof.Server, d time.Duration, workers, products int) error {
	fmt.Printf("load: %d workers for %v against http://%s\n", workers, d, srv.Addr())
	start := time.Now()
	routes, err := livepprof.Load{Target: "http://" + srv.Addr(), Workers: workers, Duration: d, Products: products, Seed: 7}.Run(ctx)
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	elapsed := time.Since(start)
	total := 0
	for _, r := range routes {
		total += r.Requests
	}
	fmt.Printf("%d requests in %v (%.0f/s)\n", total, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds())
	for _, r := range routes {
		fmt.Printf("  %-26s %7d requests  mean %9v  errors %d\n", r.Route, r.Requests, r.Mean().Round(time.Microsecond), r.Errors)
	}
	return nil
}
