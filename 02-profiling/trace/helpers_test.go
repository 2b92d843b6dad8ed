package orders_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	orders "github.com/goperflabs/labs/02-profiling/trace"
)

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

func newService(t *testing.T, cfg orders.Config) *orders.Service {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quiet()
	}
	svc, err := orders.New(cfg)
	if err != nil {
		t.Fatalf("starting the checkout service: %v", err)
	}
	t.Cleanup(func() {
		if err := svc.Close(); err != nil {
			t.Errorf("closing the service: %v", err)
		}
	})
	return svc
}

// checkoutAll checks out batch from clients goroutines at once and returns
// the receipts and errors, by position in batch.
func checkoutAll(svc *orders.Service, batch []orders.Order, clients int) ([]orders.Receipt, []error) {
	receipts := make([]orders.Receipt, len(batch))
	errs := make([]error, len(batch))
	next := make(chan int)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for i := range next {
				receipts[i], errs[i] = svc.Checkout(context.Background(), batch[i])
			}
		})
	}
	for i := range batch {
		next <- i
	}
	close(next)
	wg.Wait()
	return receipts, errs
}

// freshOrders returns n sample orders with IDs no other call returns.
func freshOrders(n int) []orders.Order {
	prefix := string([]byte{'a' + byte(rand.IntN(26)), 'a' + byte(rand.IntN(26)), 'a' + byte(rand.IntN(26))})
	batch := orders.SampleOrders(prefix, n, rand.Uint64())
	for i := range batch {
		batch[i].ID += "-" + time.Now().Format("150405.000000")[7:]
	}
	return batch
}

// ledgerLimit is how many requests the test's ledger accepts at once, as
// the real one does (MaxLedgerInFlight).
const ledgerLimit = 16

// testLedger is the tests' own ledger: each Record waits latency (and the
// order slowID waits slowBy more), at most ledgerLimit are accepted at
// once, and the entries are kept by order ID.
type testLedger struct {
	latency time.Duration
	slowID  string
	slowBy  time.Duration

	mu       sync.Mutex
	inFlight int
	entries  map[string]orders.Entry
}

func newLedger(latency time.Duration) *testLedger {
	return &testLedger{latency: latency, entries: map[string]orders.Entry{}}
}

func (l *testLedger) Record(ctx context.Context, e orders.Entry) error {
	l.mu.Lock()
	if l.inFlight >= ledgerLimit {
		l.mu.Unlock()
		return fmt.Errorf("recording order %s: %w", e.OrderID, orders.ErrLedgerBusy)
	}
	l.inFlight++
	l.mu.Unlock()
	wait := l.latency
	if e.OrderID == l.slowID {
		wait += l.slowBy
	}
	time.Sleep(wait)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inFlight--
	if _, dup := l.entries[e.OrderID]; dup {
		return fmt.Errorf("order %s recorded twice", e.OrderID)
	}
	l.entries[e.OrderID] = e
	return nil
}

func (l *testLedger) entry(id string) (orders.Entry, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.entries[id]
	return e, ok
}
