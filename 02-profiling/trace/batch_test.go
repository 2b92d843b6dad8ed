package orders_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	orders "github.com/goperflabs/labs/02-profiling/trace"
	"github.com/goperflabs/labs/internal/testkit"
)

// TestBatchFinishesFast checks out batches of 64 orders from 32 clients
// against a ledger that takes 10ms per request and accepts 16 at once.
// One request at a time, 64 of them take at least 640ms; 16 at a time,
// 40ms: a gap of 16×. Timers run late on a busy machine, so each round
// also times 8 ledger requests one after another, and the figure is how
// many times faster the batch ran than 64 such requests would have: the
// median of 3 rounds. The gate, 4×, is a quarter of the gap.
func TestBatchFinishesFast(t *testing.T) {
	const (
		n       = 64
		clients = 32
		latency = 10 * time.Millisecond
		rounds  = 3
		probe   = 8
	)
	led := newLedger(latency)
	svc := newService(t, orders.Config{Ledger: led})
	var speedups []float64
	var last time.Duration
	for round := range rounds {
		serial := timeSerial(t, probe, latency) * n / probe
		batch := freshOrders(n)
		start := time.Now()
		_, errs := checkoutAll(svc, batch, clients)
		last = time.Since(start)
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: the checkout of %s: %v", round+1, batch[i].ID, err)
			}
		}
		speedups = append(speedups, float64(serial)/float64(last))
	}
	slices.Sort(speedups)
	got := speedups[len(speedups)/2]
	if testkit.RaceEnabled {
		t.Logf("speed-up over one request at a time = %.1f× (gate 4× not checked under -race)", got)
		return
	}
	f := testkit.Report(t, testkit.Figure{Name: "speed-up over one at a time", Value: got, Op: ">=", Budget: 4, Unit: "×"})
	if !f.Pass {
		t.Errorf("a batch of %d checkouts from %d clients ran %.1f× as fast as its %d ledger requests of %v would one after another (last round: %v); gate ≥ 4×, and 16 at once would give 16×; "+
			"the CPU profile will not show waiting: record an execution trace (go test -run TestBatchFinishesFast -trace /tmp/orders.trace ./02-profiling/trace, then go tool trace /tmp/orders.trace, and see where the goroutines wait)",
			n, clients, got, n, latency, last.Round(time.Millisecond))
	}
}

// timeSerial times k requests to a ledger like the batch's, one after
// another.
func timeSerial(t *testing.T, k int, latency time.Duration) time.Duration {
	t.Helper()
	l := newLedger(latency)
	start := time.Now()
	for i := range k {
		if err := l.Record(context.Background(), orders.Entry{OrderID: fmt.Sprint("probe-", i)}); err != nil {
			t.Fatalf("probe ledger: %v", err)
		}
	}
	return time.Since(start)
}
