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
	i := 0
	for b.Loop() {
		if _, err := c.Find(orders[i%len(orders)].SKU); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

var spinSink []byte
var spinAcc uint64

func BenchmarkQuote(b *testing.B) {
	c, err := NewCatalog(SampleProducts(benchProducts, 1))
	if err != nil {
		b.Fatal(err)
	}
	p := NewPricer(c, SampleRules(benchRules, 1), benchCacheSize)
	orders := benchOrders(b)
	for _, o := range orders { // warm the cache like production
		if _, err := p.Quote(o.SKU, o.Qty); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if _, err := p.Quote("SKU-00042", 3); err != nil {
			b.Fatal(err)
		}
		for k := range 3000 {
			spinAcc = spinAcc*31 + uint64(k)
		}
		spinSink = make([]byte, 24)
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
