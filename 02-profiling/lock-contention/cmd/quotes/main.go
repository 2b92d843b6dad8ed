// Command quotes refreshes a price list of -skus SKUs with -workers
// goroutines against a simulated upstream that takes -latency per
// request, and prints how long it took and how long it would take if the
// workers really ran in parallel. It can write the profiles that explain
// the difference:
//
//	go run ./02-profiling/lock-contention/cmd/quotes -mutexprofile /tmp/quotes-mutex.pprof -blockprofile /tmp/quotes-block.pprof
//	go tool pprof -top /tmp/quotes-mutex.pprof
//	go run ./02-profiling/lock-contention/cmd/quotes -trace /tmp/quotes.trace
//	go tool trace -http=127.0.0.1: /tmp/quotes.trace
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"runtime/trace"
	"time"

	lockcontention "github.com/goperflabs/labs/02-profiling/lock-contention"
)

func main() {
	n := flag.Int("skus", 400, "SKUs to refresh")
	workers := flag.Int("workers", 8, "worker goroutines")
	latency := flag.Duration("latency", 2*time.Millisecond, "upstream latency per request")
	mutexProfile := flag.String("mutexprofile", "", "write a mutex contention profile here")
	blockProfile := flag.String("blockprofile", "", "write a blocking profile here")
	traceFile := flag.String("trace", "", "write an execution trace here")
	flag.Parse()

	if *mutexProfile != "" {
		runtime.SetMutexProfileFraction(1) // record every contention event (0, the default, records none)
	}
	if *blockProfile != "" {
		runtime.SetBlockProfileRate(1) // record every blocking event, however short (in ns)
	}
	if *traceFile != "" {
		f, err := os.Create(*traceFile)
		if err != nil {
			log.Fatal(err)
		}
		if err := trace.Start(f); err != nil {
			log.Fatal(err)
		}
		defer func() {
			trace.Stop()
			f.Close()
			fmt.Println("wrote", *traceFile)
		}()
	}

	a := lockcontention.New(lockcontention.SimulatedUpstream(*latency), *workers)
	start := time.Now()
	failed := a.Refresh(lockcontention.SKUs(*n))
	elapsed := time.Since(start)
	ideal := *latency * time.Duration((*n+*workers-1) / *workers)
	fmt.Printf("refreshed %d SKUs (%d failed) with %d workers in %v; %d rounds of %v would take about %v\n",
		*n, failed, *workers, elapsed.Round(time.Millisecond), (*n+*workers-1)/(*workers), *latency, ideal)
	s := []metrics.Sample{{Name: "/sync/mutex/wait/total:seconds"}}
	metrics.Read(s)
	fmt.Printf("goroutines spent %.2fs in total waiting for sync.Mutex locks\n", s[0].Value.Float64())

	write := func(name, file string) {
		if file == "" {
			return
		}
		f, err := os.Create(file)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.Lookup(name).WriteTo(f, 0); err != nil {
			log.Fatal(err)
		}
		f.Close()
		fmt.Println("wrote", file)
	}
	write("mutex", *mutexProfile)
	write("block", *blockProfile)
}
