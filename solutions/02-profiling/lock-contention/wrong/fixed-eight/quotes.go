// Package lockcontention keeps a shop's price list fresh: every few
// minutes it asks the upstream pricing service for the price of every SKU,
// with a pool of worker goroutines so that many requests are in flight at
// once. That is the idea. The pool has eight workers and runs no faster
// than one.
package lockcontention

import (
	"sync"
	"time"
)

// Aggregator holds the latest price of every SKU.
type Aggregator struct {
	fetch   Fetcher
	workers int
	retry   RetryPolicy

	mu   sync.Mutex
	book book // guarded by mu
}

// New returns an Aggregator that fetches prices with fetch from the given
// number of worker goroutines, retrying transient failures with
// DefaultRetry.
func New(fetch Fetcher, workers int) *Aggregator {
	return &Aggregator{
		fetch:   fetch,
		workers: max(workers, 1),
		retry:   DefaultRetry,
		book:    newBook(),
	}
}

// Refresh fetches the price of every SKU in skus (each at most once, even
// if it is listed twice) with the Aggregator's workers, stores the ones
// that succeed, and returns how many failed. It returns when every fetch
// has finished. Refresh and the read methods may be called from any
// goroutine.
func (a *Aggregator) Refresh(skus []string) (failed int) {
	start := time.Now()
	jobs := make(chan string)
	var wg sync.WaitGroup
	for range 8 { // the upstream takes eight connections
		wg.Go(func() { a.worker(jobs) })
	}
	for _, sku := range unique(skus) {
		jobs <- sku
	}
	close(jobs)
	wg.Wait()

	var run RefreshStats
	a.update(func(b *book) { run = b.closeRun(time.Since(start)) })
	return run.Failed
}

// update runs f with the book locked.
func (a *Aggregator) update(f func(b *book)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	f(&a.book)
}

// Price returns the latest price of sku, and whether there is one.
func (a *Aggregator) Price(sku string) (cents int, ok bool) {
	a.update(func(b *book) { cents, ok = b.prices[sku] })
	return cents, ok
}

// Fetched returns how many fetches have succeeded since the Aggregator was
// made.
func (a *Aggregator) Fetched() (n int) {
	a.update(func(b *book) { n = b.fetched })
	return n
}

// History returns the figures of the last refreshes, oldest first.
func (a *Aggregator) History() (runs []RefreshStats) {
	a.update(func(b *book) { runs = b.history() })
	return runs
}

// unique returns skus without repeats, in order of first appearance.
func unique(skus []string) []string {
	seen := make(map[string]bool, len(skus))
	out := make([]string, 0, len(skus))
	for _, s := range skus {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
