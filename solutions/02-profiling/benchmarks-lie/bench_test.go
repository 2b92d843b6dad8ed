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

// BenchmarkReceipt measures issuing one receipt. The service keeps every
// receipt, so the benchmark keeps the result too: a result that nobody
// uses lets the compiler put the receipt on the stack, or drop the call.
func BenchmarkReceipt(b *testing.B) {
	orders := benchOrders(b, 1000)
	issued := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var last *Receipt
	for i := 0; b.Loop(); i++ {
		last = NewReceipt(orders[i%len(orders)], issued)
	}
	if last.Gross < last.Net {
		b.Fatalf("receipt %+v: gross below net", last)
	}
}

// BenchmarkFind measures finding one product in the catalogue. The
// catalogue is built once, before the loop, as the service builds it once
// at start; b.Loop times only the loop.
func BenchmarkFind(b *testing.B) {
	c, err := NewCatalog(SampleProducts(benchProducts, 1))
	if err != nil {
		b.Fatal(err)
	}
	skus := make([]string, benchProducts)
	for i := range skus {
		skus[i] = SKU(i)
	}
	rand.New(rand.NewPCG(1, 1)).Shuffle(len(skus), func(i, j int) { skus[i], skus[j] = skus[j], skus[i] })
	for i := 0; b.Loop(); i++ {
		if _, err := c.Find(skus[i%len(skus)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQuote measures pricing one order line. The service sees every
// product in quantities from 1 to 9, many more pairs than the cache holds,
// so the benchmark goes through all of them in a random order: quoting the
// same pair again and again would only measure the cache.
func BenchmarkQuote(b *testing.B) {
	c, err := NewCatalog(SampleProducts(benchProducts, 1))
	if err != nil {
		b.Fatal(err)
	}
	p := NewPricer(c, SampleRules(benchRules, 1), benchCacheSize)
	type pair struct {
		sku string
		qty int
	}
	pairs := make([]pair, 0, benchProducts*9)
	for i := range benchProducts {
		for q := 1; q <= 9; q++ {
			pairs = append(pairs, pair{SKU(i), q})
		}
	}
	rand.New(rand.NewPCG(2, 2)).Shuffle(len(pairs), func(i, j int) { pairs[i], pairs[j] = pairs[j], pairs[i] })
	for i := 0; b.Loop(); i++ {
		pr := pairs[i%len(pairs)]
		if _, err := p.Quote(pr.sku, pr.qty); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseOrder measures parsing one order line. The lines are made
// before the loop: making one inside it would time fmt.Sprintf and count
// its allocations as the parser's.
func BenchmarkParseOrder(b *testing.B) {
	lines := SampleOrderLines(4096, benchProducts, 1)
	for i := 0; b.Loop(); i++ {
		if _, err := ParseOrder(lines[i%len(lines)]); err != nil {
			b.Fatal(err)
		}
	}
}

func benchOrders(b *testing.B, n int) []Order {
	b.Helper()
	lines := SampleOrderLines(n, benchProducts, 1)
	out := make([]Order, n)
	for i, line := range lines {
		o, err := ParseOrder(line)
		if err != nil {
			b.Fatal(err)
		}
		out[i] = o
	}
	return out
}
