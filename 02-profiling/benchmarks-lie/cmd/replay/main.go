// Command replay runs a day's order feed through the checkout in batches,
// one stage at a time, and prints what each stage cost per order: time and
// heap allocations, measured around the whole batch as the service does.
// Compare its figures with what the package's benchmarks report.
//
//	go run ./02-profiling/benchmarks-lie/cmd/replay
//	go run ./02-profiling/benchmarks-lie/cmd/replay -orders 200000
package main

import (
	"flag"
	"fmt"
	"log"
	"runtime"
	"time"

	checkout "github.com/goperflabs/labs/02-profiling/benchmarks-lie"
)

func main() {
	n := flag.Int("orders", 100_000, "orders in the feed")
	flag.Parse()
	log.SetFlags(0)
	if err := run(*n); err != nil {
		log.Fatal(err)
	}
}

const (
	products  = 5000
	rules     = 200
	cacheSize = 4096
)

func run(n int) error {
	lines := checkout.SampleOrderLines(n, products, uint64(time.Now().UnixNano()))
	cat, err := checkout.NewCatalog(checkout.SampleProducts(products, 1))
	if err != nil {
		return fmt.Errorf("building the catalogue: %w", err)
	}
	pricer := checkout.NewPricer(cat, checkout.SampleRules(rules, 1), cacheSize)
	orders := make([]checkout.Order, n)
	receipts := make([]*checkout.Receipt, n) // the service keeps them all
	issued := time.Now()

	fmt.Printf("replaying %d orders (%d products, %d rules, a cache of %d quotes)\n", n, products, rules, cacheSize)
	stages := []struct {
		name string
		do   func(i int) error
	}{
		{"parse", func(i int) (err error) { orders[i], err = checkout.ParseOrder(lines[i]); return err }},
		{"find", func(i int) error { _, err := cat.Find(orders[i].SKU); return err }},
		{"quote", func(i int) error { _, err := pricer.Quote(orders[i].SKU, orders[i].Qty); return err }},
		{"receipt", func(i int) error { receipts[i] = checkout.NewReceipt(orders[i], issued); return nil }},
	}
	for _, s := range stages {
		ns, allocs, err := cost(n, s.do)
		if err != nil {
			return fmt.Errorf("stage %s: %w", s.name, err)
		}
		fmt.Printf("%-8s %10.0f ns/order %8.2f allocs/order\n", s.name, ns, allocs)
	}
	hits, misses := pricer.Stats()
	fmt.Printf("quote cache: %d hits, %d misses\n", hits, misses)
	runtime.KeepAlive(receipts)
	return nil
}

// cost runs do for every order and returns the time and the heap
// allocations per order.
func cost(n int, do func(int) error) (ns, allocs float64, err error) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	for i := range n {
		if err := do(i); err != nil {
			return 0, 0, err
		}
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	return float64(elapsed.Nanoseconds()) / float64(n), float64(after.Mallocs-before.Mallocs) / float64(n), nil
}
