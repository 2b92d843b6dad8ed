package benchfile

import "testing"

// BenchmarkFill measures Fill. It must report the items one operation
// fills as the metric items/op.
func BenchmarkFill(b *testing.B) {
	for b.Loop() {
		Fill()
	}
}
