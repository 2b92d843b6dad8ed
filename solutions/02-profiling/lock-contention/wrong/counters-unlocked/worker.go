package lockcontention

// worker fetches the SKUs it receives until jobs is closed, and records
// each result in the book.
func (a *Aggregator) worker(jobs <-chan string) {
	for sku := range jobs {
		cents, attempts, err := a.retry.do(a.fetch, sku)
		if err == nil {
			a.update(func(b *book) { b.prices[sku] = cents })
		}
		// The counters are only added to, so they need no lock.
		b := &a.book
		b.run.Retries += max(attempts-1, 0)
		if err != nil {
			b.run.Failed++
			continue
		}
		b.fetched++
		b.run.Fetched++
	}
}
