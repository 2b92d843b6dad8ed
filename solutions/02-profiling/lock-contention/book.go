package lockcontention

import "time"

// historyLen is how many refreshes a book remembers.
const historyLen = 8

// A book is the Aggregator's state: the prices and the figures of the
// refreshes. It has no lock of its own; the Aggregator guards it.
type book struct {
	prices  map[string]int // SKU → cents
	fetched int            // successful fetches, ever

	run  RefreshStats             // the refresh under way
	runs [historyLen]RefreshStats // the last refreshes, a ring
	next int                      // where the next finished run goes
	done int                      // refreshes finished, ever
}

// RefreshStats are the figures of one refresh.
type RefreshStats struct {
	Fetched  int           // SKUs priced
	Failed   int           // SKUs whose fetch failed for good
	Retries  int           // extra attempts after transient failures
	Duration time.Duration // from the first fetch to the last
}

func newBook() book {
	return book{prices: map[string]int{}}
}

// record stores the outcome of one SKU's fetch, which took attempts tries.
func (b *book) record(sku string, cents, attempts int, err error) {
	b.run.Retries += max(attempts-1, 0)
	if err != nil {
		b.run.Failed++
		return
	}
	b.prices[sku] = cents
	b.fetched++
	b.run.Fetched++
}

// closeRun ends the refresh under way, files its figures and returns them.
func (b *book) closeRun(d time.Duration) RefreshStats {
	run := b.run
	run.Duration = d
	b.runs[b.next] = run
	b.next = (b.next + 1) % historyLen
	b.done++
	b.run = RefreshStats{}
	return run
}

// history returns the filed refreshes, oldest first.
func (b *book) history() []RefreshStats {
	n := min(b.done, historyLen)
	out := make([]RefreshStats, 0, n)
	for i := range n {
		out = append(out, b.runs[(b.next-n+i+historyLen)%historyLen])
	}
	return out
}
