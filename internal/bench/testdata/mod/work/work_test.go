package work

import "testing"

var sink int

func BenchmarkSum(b *testing.B) {
	for b.Loop() {
		sink = Sum(1000)
	}
	b.ReportMetric(42, "widgets/op")
}
