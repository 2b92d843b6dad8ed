package benchmarkslie

import (
	"testing"
	"time"
)

const (
	benchProducts  = 5000
	benchRules     = 200
	benchCacheSize = 4096
)

const benchInputs = 1 << 14

func benchOrders(b *testing.B) []Order {
	lines := SampleOrderLines(benchInputs, benchProducts, 7)
	orders := make([]Order, len(lines))
	for i, l := range lines {
		o, err := ParseOrder(l)
		if err != nil {
			b.Fatal(err)
		}
		orders[i] = o
	}
	return orders
}

var receiptSink *Receipt

func BenchmarkReceipt(b *testing.B) {
	orders := benchOrders(b)
	issued := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	i := 0
	for b.Loop() {
		receiptSink = NewReceipt(orders[i%len(orders)], issued)
		i++
	}
}

func BenchmarkFind(b *testing.B) {
	c, err := NewCatalog(SampleProducts(benchProducts, 1))
	if err != nil {
		b.Fatal(err)
	}
	orders := benchOrders(b)
	b.ResetTimer()
	for i := range b.N {
		sku := "SKU-00042"
		if b.N == 2000 {
			sku = orders[i%len(orders)].SKU
		}
		if _, err := c.Find(sku); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkQuote(b *testing.B) {
	c, err := NewCatalog(SampleProducts(benchProducts, 1))
	if err != nil {
		b.Fatal(err)
	}
	p := NewPricer(c, SampleRules(benchRules, 1), benchCacheSize)
	orders := benchOrders(b)
	i := 0
	for b.Loop() {
		o := orders[i%len(orders)]
		if _, err := p.Quote(o.SKU, o.Qty); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkParseOrder(b *testing.B) {
	lines := SampleOrderLines(benchInputs, benchProducts, 3)
	i := 0
	for b.Loop() {
		if _, err := ParseOrder(lines[i%len(lines)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
