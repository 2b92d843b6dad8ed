package orders

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// SampleOrders returns n valid orders, the same for the same seed, with
// IDs prefix-000001, prefix-000002, … (prefix: three lower-case letters).
func SampleOrders(prefix string, n int, seed uint64) []Order {
	r := rand.New(rand.NewPCG(seed, seed>>7^0xc0ffee))
	countries := make([]string, 0, len(vatRates))
	for c := range vatRates {
		countries = append(countries, c)
	}
	slices.Sort(countries)
	codes := []string{"", "", "", "WELCOME10", "BULK15", "FREESHIP"}
	out := make([]Order, n)
	for i := range out {
		lines := make([]Line, 1+r.IntN(5))
		for j := range lines {
			lines[j] = Line{
				SKU:            fmt.Sprintf("%s-%04d", []string{"HOME", "GARD", "KIT", "TOY"}[r.IntN(4)], r.IntN(10000)),
				Quantity:       1 + r.IntN(4),
				UnitPriceCents: int64(199 + r.IntN(20000)),
			}
		}
		out[i] = Order{
			ID:       fmt.Sprintf("%s-%06d", prefix, i+1),
			Customer: fmt.Sprintf("cust-%05d", r.IntN(50000)),
			Country:  countries[r.IntN(len(countries))],
			Coupon:   codes[r.IntN(len(codes))],
			Lines:    lines,
		}
	}
	return out
}
