package benchmarkslie

import (
	"testing"
	"time"
)

// The service's figures: its catalogue has 5,000 products, the shop runs
// 200 promotion rules, and the Pricer caches 4,096 quotes.
const (
	benchProducts  = 5000
	benchRules     = 200
	benchCacheSize = 4096
)

// feed is a day of orders, parsed before any timing starts.
func feed(b *testing.B, n int) []Order {
	b.Helper()
	out := make([]Order, 0, n)
	for _, l := range SampleOrderLines(n, benchProducts, 11) {
		o, err := ParseOrder(l)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, o)
	}
	return out
}

// BenchmarkReceipt issues a receipt per order of the feed and keeps them
// in a slice, as the service keeps them; the slice is emptied with the
// timer stopped when it is full.
func BenchmarkReceipt(b *testing.B) {
	orders := feed(b, 2000)
	issued := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	kept := make([]*Receipt, 0, len(orders))
	for i := 0; b.Loop(); i++ {
		if len(kept) == cap(kept) {
			kept = kept[:0]
		}
		kept = append(kept, NewReceipt(orders[i%len(orders)], issued))
	}
}

// BenchmarkFind keeps a fresh catalogue per batch of 10,000 lookups,
// built with the timer stopped.
func BenchmarkFind(b *testing.B) {
	products := SampleProducts(benchProducts, 11)
	orders := feed(b, 10_000)
	var c *Catalog
	b.ResetTimer()
	for i := range b.N {
		if i%len(orders) == 0 {
			b.StopTimer()
			var err error
			if c, err = NewCatalog(products); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		if _, err := c.Find(orders[i%len(orders)].SKU); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQuote prices the orders of a feed of 100,000 lines, in the
// order they come: pairs repeat about as often as in the service.
func BenchmarkQuote(b *testing.B) {
	c, err := NewCatalog(SampleProducts(benchProducts, 11))
	if err != nil {
		b.Fatal(err)
	}
	p := NewPricer(c, SampleRules(benchRules, 11), benchCacheSize)
	orders := feed(b, 100_000)
	for i := 0; b.Loop(); i++ {
		o := orders[i%len(orders)]
		if _, err := p.Quote(o.SKU, o.Qty); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseOrder parses the lines of a feed made before the loop.
func BenchmarkParseOrder(b *testing.B) {
	lines := SampleOrderLines(50_000, benchProducts, 11)
	b.ResetTimer()
	var n int
	for i := 0; b.Loop(); i++ {
		o, err := ParseOrder(lines[i%len(lines)])
		if err != nil {
			b.Fatal(err)
		}
		n += o.Qty
	}
	if n == 0 {
		b.Fatal("no quantities")
	}
}
