package benchfile

import "testing"

func TestBenchmarkReportsItems(t *testing.T) {
	r := testing.Benchmark(BenchmarkFill)
	if r.N == 0 {
		t.Fatal("BenchmarkFill did not run")
	}
	if got := r.Extra["items/op"]; got != Items {
		t.Errorf("BenchmarkFill reported %v items/op, want %d", got, Items)
	}
}
