package lockcontention

// worker fetches the SKUs it receives until jobs is closed, and records
// each result in the book. Each fetch runs on its own goroutine, so the
// worker never waits on the upstream.
func (a *Aggregator) worker(jobs <-chan string) {
	for sku := range jobs {
		go a.update(func(b *book) {
			cents, attempts, err := a.retry.do(a.fetch, sku)
			b.record(sku, cents, attempts, err)
		})
	}
}
