// Package lockcontention keeps a shop's price list fresh: every few
// minutes it asks the upstream pricing service for the price of every SKU,
// with a pool of worker goroutines so that many requests are in flight at
// once. That is the idea. The pool has eight workers and runs no faster
// than one; the mutex profile shows why.
package lockcontention

import (
	"sync"
)

// Aggregator holds the latest price of every SKU.
type Aggregator struct {
	fetch   Fetcher
	workers int

	mu      sync.Mutex
	prices  map[string]int // SKU → cents, guarded by mu
	fetched int            // successful fetches, guarded by mu
	failed  int            // failed fetches, guarded by mu
}

// New returns an Aggregator that fetches prices with fetch from the given
// number of worker goroutines.
func New(fetch Fetcher, workers int) *Aggregator {
	return &Aggregator{fetch: fetch, workers: max(workers, 1), prices: map[string]int{}}
}

// Refresh fetches the price of every SKU in skus (each at most once) with
// the Aggregator's workers, stores the ones that succeed, and returns how
// many failed. It returns when every fetch has finished. Refresh and Price
// may be called from any goroutine.
func (a *Aggregator) Refresh(skus []string) (failed int) {
	jobs := make(chan string)
	var wg sync.WaitGroup
	for range a.workers {
		wg.Go(func() { a.worker(jobs) })
	}
	for _, sku := range skus {
		jobs <- sku
	}
	close(jobs)
	wg.Wait()

	a.mu.Lock()
	defer a.mu.Unlock()
	failed, a.failed = a.failed, 0
	return failed
}

// worker fetches the SKUs it receives until jobs is closed, and records
// each result.
func (a *Aggregator) worker(jobs <-chan string) {
	for sku := range jobs {
		a.mu.Lock()
		cents, err := a.fetch(sku)
		if err != nil {
			a.failed++
		} else {
			a.prices[sku] = cents
			a.fetched++
		}
		a.mu.Unlock()
	}
}

// Price returns the latest price of sku, and whether there is one.
func (a *Aggregator) Price(sku string) (cents int, ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	cents, ok = a.prices[sku]
	return cents, ok
}

// Fetched returns how many fetches have succeeded since the Aggregator was
// made.
func (a *Aggregator) Fetched() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.fetched
}
