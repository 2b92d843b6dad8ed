package benchmarkslie

import (
	"fmt"
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

// BenchmarkReceipt measures issuing one receipt.
func BenchmarkReceipt(b *testing.B) {
	o, err := ParseOrder(SampleOrderLines(1, benchProducts, 1)[0])
	if err != nil {
		b.Fatal(err)
	}
	issued := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for b.Loop() {
		NewReceipt(o, issued)
	}
}

// BenchmarkFind measures finding one product in the catalogue.
func BenchmarkFind(b *testing.B) {
	products := SampleProducts(benchProducts, 1)
	skus := make([]string, 1000)
	for i := range skus {
		skus[i] = SKU(i * 5)
	}
	for i := 0; b.Loop(); i++ {
		// A catalogue of its own for every iteration, so that no
		// iteration is helped by the one before.
		c, err := NewCatalog(products)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Find(skus[i%len(skus)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQuote measures pricing one order line.
func BenchmarkQuote(b *testing.B) {
	c, err := NewCatalog(SampleProducts(benchProducts, 1))
	if err != nil {
		b.Fatal(err)
	}
	p := NewPricer(c, SampleRules(benchRules, 1), benchCacheSize)
	for b.Loop() {
		if _, err := p.Quote("SKU-00042", 3); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseOrder measures parsing one order line.
func BenchmarkParseOrder(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		// A new line every time, as in the real feed.
		line := fmt.Sprintf("ORD-%06d,CUST-%04d,%s,%d,%d,EUR,DE", i%1_000_000, i%10_000, SKU(i%benchProducts), 1+i%9, 99+i%20000)
		if _, err := ParseOrder(line); err != nil {
			b.Fatal(err)
		}
	}
}
