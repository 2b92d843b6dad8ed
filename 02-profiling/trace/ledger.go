package orders

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// MaxLedgerInFlight is how many requests the ledger accepts at once; it
// refuses more with ErrLedgerBusy.
const MaxLedgerInFlight = 16

// ErrLedgerBusy means the ledger had MaxLedgerInFlight requests already.
var ErrLedgerBusy = errors.New("ledger busy: too many requests in flight")

// Entry is one order as the ledger records it.
type Entry struct {
	Seq        int64
	OrderID    string
	Customer   string
	TotalCents int64
}

// Ledger is the shop's system of record, a remote service. Record returns
// once the entry is stored durably. It is safe for concurrent use, up to
// MaxLedgerInFlight requests at once.
type Ledger interface {
	Record(ctx context.Context, e Entry) error
}

// SimulatedLedger is a Ledger in memory whose every Record waits latency,
// as a round trip to the real one would, and keeps the entries.
type SimulatedLedger struct {
	latency time.Duration

	mu       sync.Mutex
	inFlight int
	entries  []Entry
}

// NewSimulatedLedger returns a ledger whose Record takes latency.
func NewSimulatedLedger(latency time.Duration) *SimulatedLedger {
	return &SimulatedLedger{latency: latency}
}

// Record stores e after the ledger's latency.
func (l *SimulatedLedger) Record(ctx context.Context, e Entry) error {
	l.mu.Lock()
	if l.inFlight >= MaxLedgerInFlight {
		l.mu.Unlock()
		return fmt.Errorf("recording order %s: %w", e.OrderID, ErrLedgerBusy)
	}
	l.inFlight++
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		l.inFlight--
		l.mu.Unlock()
	}()

	t := time.NewTimer(l.latency)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return fmt.Errorf("recording order %s: %w", e.OrderID, ctx.Err())
	}
	l.mu.Lock()
	l.entries = append(l.entries, e)
	l.mu.Unlock()
	return nil
}

// Entries returns a copy of what the ledger holds, in the order recorded.
func (l *SimulatedLedger) Entries() []Entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Entry(nil), l.entries...)
}
