package lockcontention

// worker fetches the SKUs it receives until jobs is closed, and records
// each result in the book.
func (a *Aggregator) worker(jobs <-chan string) {
	for sku := range jobs {
		// The network call, retries and back-off included, runs without
		// the lock, so that every worker can wait on the upstream at the
		// same time; the lock guards only the book, for a few
		// nanoseconds.
		cents, attempts, err := a.retry.do(a.fetch, sku)
		a.update(func(b *book) { b.record(sku, cents, attempts, err) })
	}
}
