package retention

import (
	"runtime/metrics"
	"testing"

	"github.com/goperflabs/labs/internal/testkit"
)

const (
	messages    = 1000
	messageSize = 64 << 10 // 64 KiB
	budget      = 1 << 20  // 1 MiB for the whole index of 1,000 orders
)

const where = "what the heap profile says is still in use once the test is over " +
	"(go test -run TestIndexRetention -memprofile /tmp/mem.pprof ./01-memory/retention, then go tool pprof -sample_index=inuse_space -top /tmp/mem.pprof)"

// kept holds the last index a test built until the test binary exits, so
// that the heap profile -memprofile writes after the tests still sees what
// the index keeps alive.
var kept *Index

// ingest builds each message, hands it to ix.Add and drops it, as a server
// would after handling a request. It returns what each Add must produce.
func ingest(tb testing.TB, ix *Index, n, size int) []Order {
	tb.Helper()
	wants := make([]Order, 0, n)
	for i := range n {
		msg, want := Message(i, size)
		if err := ix.Add(msg); err != nil {
			tb.Fatalf("Add(message %d): %v", i, err)
		}
		wants = append(wants, want)
	}
	return wants
}

func checkIndex(t *testing.T, ix *Index, wants []Order) {
	t.Helper()
	if ix.Len() != len(wants) {
		t.Fatalf("index holds %d orders after %d messages, want %d", ix.Len(), len(wants), len(wants))
	}
	for _, want := range wants {
		got, ok := ix.Get(want.ID)
		if !ok {
			t.Fatalf("Get(%q): not found", want.ID)
		}
		if got != want {
			t.Fatalf("Get(%q) = %+v, want %+v", want.ID, got, want)
		}
	}
}

// TestIndexAnswers checks what the index returns, with messages of a few
// sizes.
func TestIndexAnswers(t *testing.T) {
	for _, size := range []int{2 << 10, 5000, messageSize} {
		ix := NewIndex()
		checkIndex(t, ix, ingest(t, ix, 50, size))
		if _, ok := ix.Get("ord-999999"); ok {
			t.Fatalf("Get of an ID never added found an order")
		}
	}
	if err := NewIndex().Add("hello\nworld\n"); err == nil {
		t.Fatalf("Add of a message without an ORDER header: no error")
	}
	if err := NewIndex().Add("ORDER customer=x\n"); err == nil {
		t.Fatalf("Add of a header without an id: no error")
	}
}

// TestIndexRetention indexes 1,000 messages of 64 KiB and requires that the
// index, which keeps only a few dozen bytes per order, holds on to less
// than 1 MiB of heap once the messages are dropped.
func TestIndexRetention(t *testing.T) {
	var wants []Order
	kept = nil // an index from an earlier run (-count) must not count
	got := testkit.RetainedAtMost(t, budget, where, func() any {
		kept = NewIndex()
		wants = ingest(t, kept, messages, messageSize)
		return kept
	})
	if !t.Failed() {
		t.Logf("heap retained after GC by an index of %d orders = %s (budget %s)", messages, testkit.Bytes(got), testkit.Bytes(budget))
	}
	checkIndex(t, kept, wants)
}

// BenchmarkIndex indexes 1,000 fresh 64 KiB messages per op.
// retained-B is the heap the finished index keeps alive after GC;
// gc-cycles/op is how many collections ran per op.
func BenchmarkIndex(b *testing.B) {
	cycles := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(cycles)
	start := cycles[0].Value.Uint64()
	for b.Loop() {
		ingest(b, NewIndex(), messages, messageSize)
	}
	b.StopTimer()
	metrics.Read(cycles)
	b.ReportMetric(float64(cycles[0].Value.Uint64()-start)/float64(b.N), "gc-cycles/op")
	b.ReportMetric(float64(testkit.Retained(func() any {
		ix := NewIndex()
		ingest(b, ix, messages, messageSize)
		return ix
	})), "retained-B")
}
