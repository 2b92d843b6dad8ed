package benchmarkslie

import "testing"

// The service's figures, as in the shipped file.
const (
	benchProducts  = 5000
	benchRules     = 200
	benchCacheSize = 4096
)

// Each benchmark does nothing at all: the figures are the cost of the loop.
func BenchmarkReceipt(b *testing.B) {
	for b.Loop() {
	}
}
func BenchmarkFind(b *testing.B) {
	for b.Loop() {
	}
}
func BenchmarkQuote(b *testing.B) {
	for b.Loop() {
	}
}
func BenchmarkParseOrder(b *testing.B) {
	for b.Loop() {
	}
}
