package lockcontention

// fetchOne fetches one SKU, without the lock, and records the result.
func (a *Aggregator) fetchOne(sku string) {
	cents, attempts, err := a.retry.do(a.fetch, sku)
	a.update(func(b *book) { b.record(sku, cents, attempts, err) })
}
