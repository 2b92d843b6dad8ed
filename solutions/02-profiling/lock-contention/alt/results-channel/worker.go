package lockcontention

// A result is one SKU's fetch, as a worker hands it back.
type result struct {
	sku             string
	cents, attempts int
	err             error
}

// worker fetches the SKUs it receives until jobs is closed and sends each
// outcome to results; only Refresh's goroutine writes the book.
func (a *Aggregator) worker(jobs <-chan string, results chan<- result) {
	for sku := range jobs {
		cents, attempts, err := a.retry.do(a.fetch, sku)
		results <- result{sku, cents, attempts, err}
	}
}
