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

// receiptSink keeps the last receipt, so that it leaves the benchmark as
// it leaves NewReceipt's caller in the service.
var receiptSink *Receipt

// BenchmarkReceipt measures issuing one receipt, the pre-Go 1.24 way: a
// for range b.N loop, b.ResetTimer after the setup, and a package-level
// sink for the result.
func BenchmarkReceipt(b *testing.B) {
	lines := SampleOrderLines(512, benchProducts, 3)
	orders := make([]Order, len(lines))
	for i, l := range lines {
		o, err := ParseOrder(l)
		if err != nil {
			b.Fatal(err)
		}
		orders[i] = o
	}
	issued := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	b.ResetTimer()
	for i := range b.N {
		receiptSink = NewReceipt(orders[i%len(orders)], issued)
	}
}

// BenchmarkFind measures finding one product; the catalogue is built
// before b.ResetTimer.
func BenchmarkFind(b *testing.B) {
	c, err := NewCatalog(SampleProducts(benchProducts, 3))
	if err != nil {
		b.Fatal(err)
	}
	skus := make([]string, benchProducts)
	for i := range skus {
		skus[i] = SKU(i)
	}
	b.ResetTimer()
	for i := range b.N {
		// 7 and 5,000 share no factor, so this visits every SKU in a
		// scattered order.
		if _, err := c.Find(skus[i*7%benchProducts]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQuote measures pricing one order line, walking all 45,000
// (SKU, quantity) pairs with a stride, so no pair comes back before the
// cache has forgotten it.
func BenchmarkQuote(b *testing.B) {
	c, err := NewCatalog(SampleProducts(benchProducts, 3))
	if err != nil {
		b.Fatal(err)
	}
	p := NewPricer(c, SampleRules(benchRules, 3), benchCacheSize)
	skus := make([]string, benchProducts)
	for i := range skus {
		skus[i] = SKU(i)
	}
	const pairs = benchProducts * 9
	b.ResetTimer()
	for i := range b.N {
		k := i * 7919 % pairs
		if _, err := p.Quote(skus[k/9], 1+k%9); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseOrder measures parsing one order line from a feed made
// before b.ResetTimer.
func BenchmarkParseOrder(b *testing.B) {
	lines := SampleOrderLines(10_000, benchProducts, 3)
	b.ResetTimer()
	for i := range b.N {
		if _, err := ParseOrder(lines[i%len(lines)]); err != nil {
			b.Fatal(err)
		}
	}
}
