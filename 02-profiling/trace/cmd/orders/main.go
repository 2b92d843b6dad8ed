// Command orders checks out a batch of -orders sample orders from -clients
// concurrent clients, against a simulated ledger that takes -latency per
// request, and prints how long the batch took and how long the checkouts
// took. It can write a CPU profile and an execution trace of the batch:
//
//	go run ./02-profiling/trace/cmd/orders -cpuprofile /tmp/orders-cpu.pprof
//	go tool pprof -top /tmp/orders-cpu.pprof
//	go run ./02-profiling/trace/cmd/orders -trace /tmp/orders.trace
//	go tool trace -http=127.0.0.1:8082 /tmp/orders.trace
//
// With -dump DIR, checkouts slower than -slow write their diagnostics to DIR.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"os"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"sync"
	"time"

	orders "github.com/goperflabs/labs/02-profiling/trace"
)

func main() {
	n := flag.Int("orders", 400, "orders in the batch")
	clients := flag.Int("clients", 32, "concurrent clients")
	latency := flag.Duration("latency", 5*time.Millisecond, "ledger latency per request")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the batch here")
	traceFile := flag.String("trace", "", "write an execution trace of the batch here")
	dump := flag.String("dump", "", "directory for the diagnostics of slow checkouts")
	slow := flag.Duration("slow", 100*time.Millisecond, "latency budget of one checkout")
	flag.Parse()

	stop, err := startProfiles(*cpuProfile, *traceFile)
	if err != nil {
		log.Fatal(err)
	}
	svc, err := orders.New(orders.Config{Ledger: orders.NewSimulatedLedger(*latency), SlowAfter: *slow, DumpDir: *dump,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn + 1}))})
	if err != nil {
		log.Fatal(err)
	}
	start := time.Now()
	took, failed := run(svc, orders.SampleOrders("ord", *n, 1), *clients)
	elapsed := time.Since(start)
	stop()
	if err := svc.Close(); err != nil {
		log.Fatal(err)
	}
	slices.Sort(took)
	fmt.Printf("checked out %d orders (%d failed) from %d clients in %v\n", *n, failed, *clients, elapsed.Round(time.Millisecond))
	fmt.Printf("checkout latency: p50 %v, p90 %v, max %v\n", pct(took, 50), pct(took, 90), took[len(took)-1].Round(time.Millisecond))
	fmt.Printf("ledger: %d requests of %v; %v one after another, %v with %d in flight\n", *n, *latency,
		(time.Duration(*n) * *latency).Round(time.Millisecond), (time.Duration((*n+orders.MaxLedgerInFlight-1)/orders.MaxLedgerInFlight) * *latency).Round(time.Millisecond), orders.MaxLedgerInFlight)
}

func run(svc *orders.Service, batch []orders.Order, clients int) (took []time.Duration, failed int) {
	work := make(chan orders.Order)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for o := range work {
				t := time.Now()
				_, err := svc.Checkout(context.Background(), o)
				d := time.Since(t)
				mu.Lock()
				took = append(took, d)
				if err != nil {
					failed++
					log.Print(err)
				}
				mu.Unlock()
			}
		})
	}
	for _, o := range batch {
		work <- o
	}
	close(work)
	wg.Wait()
	return took, failed
}

func pct(sorted []time.Duration, p int) time.Duration {
	return sorted[(len(sorted)-1)*p/100].Round(time.Millisecond)
}

func startProfiles(cpuPath, tracePath string) (stop func(), err error) {
	var files []*os.File
	create := func(path string) (*os.File, error) {
		f, err := os.Create(path)
		if err == nil {
			files = append(files, f)
		}
		return f, err
	}
	if cpuPath != "" {
		f, err := create(cpuPath)
		if err != nil {
			return nil, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
	}
	if tracePath != "" {
		f, err := create(tracePath)
		if err != nil {
			return nil, err
		}
		if err := trace.Start(f); err != nil {
			return nil, err
		}
	}
	return func() {
		if cpuPath != "" {
			pprof.StopCPUProfile()
		}
		if tracePath != "" {
			trace.Stop()
		}
		for _, f := range files {
			f.Close()
			fmt.Println("wrote", f.Name())
		}
	}, nil
}
