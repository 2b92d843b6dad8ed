package benchmarkslie

import (
	"math/rand/v2"
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

// receiptSink keeps every receipt reachable, as the service's store does.
var receiptSink *Receipt

// BenchmarkReceipt measures issuing one receipt, kept as the service keeps it.
func BenchmarkReceipt(b *testing.B) {
	lines := SampleOrderLines(1000, benchProducts, 1)
	orders := make([]Order, len(lines))
	for i, l := range lines {
		o, err := ParseOrder(l)
		if err != nil {
			b.Fatal(err)
		}
		orders[i] = o
	}
	issued := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	i := 0
	for b.Loop() {
		receiptSink = NewReceipt(orders[i%len(orders)], issued)
		i++
	}
}

// BenchmarkFind measures finding one product in a catalogue built once.
func BenchmarkFind(b *testing.B) {
	c, err := NewCatalog(SampleProducts(benchProducts, 1))
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 7))
	skus := make([]string, 10000)
	for i := range skus {
		skus[i] = SKU(r.IntN(benchProducts))
	}
	i := 0
	for b.Loop() {
		if _, err := c.Find(skus[i%len(skus)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkQuote measures pricing one order line, over far more distinct
// (SKU, quantity) pairs than the cache holds, as the feed does.
func BenchmarkQuote(b *testing.B) {
	c, err := NewCatalog(SampleProducts(benchProducts, 1))
	if err != nil {
		b.Fatal(err)
	}
	p := NewPricer(c, SampleRules(benchRules, 1), benchCacheSize)
	type in struct {
		sku string
		qty int
	}
	r := rand.New(rand.NewPCG(3, 9))
	ins := make([]in, 50000)
	for i := range ins {
		ins[i] = in{SKU(r.IntN(benchProducts)), 1 + r.IntN(9)}
	}
	i := 0
	for b.Loop() {
		x := ins[i%len(ins)]
		if _, err := p.Quote(x.sku, x.qty); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkParseOrder measures parsing one order line, lines made beforehand.
func BenchmarkParseOrder(b *testing.B) {
	lines := SampleOrderLines(10000, benchProducts, 2)
	i := 0
	for b.Loop() {
		if _, err := ParseOrder(lines[i%len(lines)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
