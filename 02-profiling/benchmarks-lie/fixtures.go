package benchmarkslie

import (
	"fmt"
	"math/rand/v2"
)

var (
	categories = []string{"garden", "kitchen", "office", "toys", "tools", "bath", "lighting", "pets"}
	adjectives = []string{"Compact", "Deluxe", "Eco", "Heavy-duty", "Classic", "Smart", "Mini", "Pro"}
	nouns      = []string{"Kettle", "Lamp", "Hose", "Stapler", "Drill", "Towel", "Basket", "Planter", "Puzzle", "Bowl"}
	currencies = []string{"EUR", "EUR", "EUR", "GBP", "USD"}
	countries  = []string{"DE", "FR", "NL", "ES", "GB", "US", "DE", "FR"}
)

// SKU is the SKU of product number i of the fixtures: SKU-00000 and up.
func SKU(i int) string { return fmt.Sprintf("SKU-%05d", i) }

// SampleProducts returns n products, SKU(0) to SKU(n-1), the same ones
// for the same seed.
func SampleProducts(n int, seed uint64) []Product {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([]Product, n)
	for i := range out {
		out[i] = Product{
			SKU:       SKU(i),
			Name:      fmt.Sprintf("%s %s %d", adjectives[rng.IntN(len(adjectives))], nouns[rng.IntN(len(nouns))], i),
			Category:  categories[rng.IntN(len(categories))],
			UnitCents: int64(99 + rng.IntN(20000)),
		}
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// SampleRules returns the shop's n promotion rules, the same ones for the
// same seed.
func SampleRules(n int, seed uint64) []Rule {
	rng := rand.New(rand.NewPCG(seed, 2))
	out := make([]Rule, n)
	for i := range out {
		r := Rule{Name: fmt.Sprintf("promo-%03d", i), MinQty: 1 + rng.IntN(6), PercentOff: int64(5 + rng.IntN(30))}
		switch rng.IntN(3) {
		case 0:
			r.Category = categories[rng.IntN(len(categories))]
		case 1:
			r.SKUPrefix = fmt.Sprintf("SKU-%03d", rng.IntN(1000))
		default:
			r.Category = categories[rng.IntN(len(categories))]
			r.SKUPrefix = fmt.Sprintf("SKU-%02d", rng.IntN(100))
		}
		out[i] = r
	}
	return out
}

// SampleOrderLines returns n order lines for products SKU(0) to
// SKU(products-1), the same ones for the same seed. Every line is good.
func SampleOrderLines(n, products int, seed uint64) []string {
	rng := rand.New(rand.NewPCG(seed, 3))
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("ORD-%06d,CUST-%04d,%s,%d,%d,%s,%s",
			rng.IntN(1_000_000), rng.IntN(10_000), SKU(rng.IntN(products)),
			1+rng.IntN(9), 99+rng.IntN(20000),
			currencies[rng.IntN(len(currencies))], countries[rng.IntN(len(countries))])
	}
	return out
}
