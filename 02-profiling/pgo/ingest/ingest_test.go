package ingest

import "testing"

// BenchmarkIngest is the collector's representative workload: one batch
// of 1,000 lines from SampleBatch per op, into a long-lived Aggregator
// that is flushed every 100 batches, as the service flushes every 10 s.
func BenchmarkIngest(b *testing.B) {
	batch := SampleBatch(1000, 1)
	a := NewAggregator()
	for i := 0; b.Loop(); i++ {
		if n, _ := a.Ingest(batch); n != 1000 {
			b.Fatalf("ingested %d lines", n)
		}
		if i%100 == 99 {
			a.Flush()
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/line")
}
