package lockcontention

import (
	"errors"
	"fmt"
	"hash/fnv"
	"time"
)

// Fetcher asks the upstream pricing service for the price of one SKU, in
// cents. It is a network call: slow, and safe to make from many goroutines
// at once.
type Fetcher func(sku string) (cents int, err error)

// ErrUnknownSKU is what the upstream answers for a SKU it does not sell.
var ErrUnknownSKU = errors.New("unknown SKU")

// PriceOf is the price the upstream quotes for sku, or ErrUnknownSKU for
// SKUs whose number ends in 7. The simulated upstream and the tests both
// use it, so the prices are the same everywhere.
func PriceOf(sku string) (int, error) {
	if sku != "" && sku[len(sku)-1] == '7' {
		return 0, fmt.Errorf("%s: %w", sku, ErrUnknownSKU)
	}
	h := fnv.New32a()
	h.Write([]byte(sku))
	return 100 + int(h.Sum32()%99_900), nil
}

// SimulatedUpstream returns a Fetcher that answers like PriceOf after
// waiting latency, as a call over the network would.
func SimulatedUpstream(latency time.Duration) Fetcher {
	return func(sku string) (int, error) {
		time.Sleep(latency)
		return PriceOf(sku)
	}
}

// SKUs returns n SKU names: sku-00000, sku-00001, …
func SKUs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("sku-%05d", i)
	}
	return out
}
