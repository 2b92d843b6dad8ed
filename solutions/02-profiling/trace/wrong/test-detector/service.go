package orders

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/trace"
	"sync"
	"testing"
	"time"
)

// DefaultSlowAfter is Config.SlowAfter when it is 0.
const DefaultSlowAfter = time.Second

// Config sets up a Service.
type Config struct {
	Ledger Ledger // where orders are recorded; required
	// SlowAfter is the latency budget of one checkout: a checkout that
	// takes longer is logged as slow, and its diagnostics are written to
	// DumpDir. 0 means DefaultSlowAfter.
	SlowAfter time.Duration
	// DumpDir is the directory for the diagnostics of slow checkouts; ""
	// means none are written.
	DumpDir string
	Logger  *slog.Logger // nil means slog.Default()
}

// Service checks out orders: it validates and prices each one and records
// it in the ledger before it answers.
type Service struct {
	cfg  Config
	log  *slog.Logger
	slow *slowReporter

	ledgerSlots chan struct{} // a semaphore: at most MaxLedgerInFlight ledger requests

	mu       sync.Mutex
	closed   bool
	inFlight sync.WaitGroup // checkouts in progress
	seq      int64          // guarded by mu
	stats    Stats          // guarded by mu

	closeOnce sync.Once
	closeErr  error
}

// New starts a Service. Close stops it.
func New(cfg Config) (*Service, error) {
	if cfg.Ledger == nil {
		return nil, errors.New("orders: Config.Ledger is required")
	}
	if cfg.SlowAfter == 0 {
		cfg.SlowAfter = DefaultSlowAfter
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	slow, err := newSlowReporter(cfg.DumpDir, cfg.Logger)
	if err != nil {
		return nil, err
	}
	return &Service{cfg: cfg, log: cfg.Logger, slow: slow, ledgerSlots: make(chan struct{}, slots())}, nil
}

// Checkout validates and prices the order, records it in the ledger and
// returns its receipt. When Checkout returns a receipt, the order is in the
// ledger.
func (s *Service) Checkout(ctx context.Context, o Order) (Receipt, error) {
	ctx, task := trace.NewTask(ctx, "checkout")
	defer task.End()
	trace.Log(ctx, "order", o.ID)
	start := time.Now()
	defer func() { s.observe(o.ID, time.Since(start)) }()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return Receipt{}, ErrClosed
	}
	s.inFlight.Add(1)
	s.mu.Unlock()
	defer s.inFlight.Done()

	if err := validate(o); err != nil {
		return Receipt{}, err
	}
	q := price(o)
	select {
	case s.ledgerSlots <- struct{}{}:
	case <-ctx.Done():
		return Receipt{}, fmt.Errorf("order %s: %w", o.ID, ctx.Err())
	}
	defer func() { <-s.ledgerSlots }()

	s.mu.Lock()
	s.seq++
	e := Entry{Seq: s.seq, OrderID: o.ID, Customer: o.Customer, TotalCents: q.Total}
	s.mu.Unlock()
	var err error
	trace.WithRegion(ctx, "ledger", func() { err = s.cfg.Ledger.Record(ctx, e) })
	if err != nil {
		return Receipt{}, fmt.Errorf("order %s: %w", o.ID, err)
	}
	s.mu.Lock()
	s.stats.Orders++
	s.stats.RevenueCents += q.Total
	s.mu.Unlock()
	return Receipt{Seq: e.Seq, OrderID: e.OrderID, TotalCents: e.TotalCents}, nil
}

// Stats returns the counts of the orders recorded so far.
func (s *Service) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// observe logs a checkout that took longer than its budget and writes its
// diagnostics.
func (s *Service) observe(orderID string, took time.Duration) {
	if took <= s.cfg.SlowAfter {
		return
	}
	s.log.Warn("slow checkout", "order", orderID, "took", took, "budget", s.cfg.SlowAfter)
	s.slow.report(orderID)
}

// Close stops the service; checkouts after Close fail with ErrClosed.
func (s *Service) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.inFlight.Wait()
		s.closeErr = s.slow.close()
	})
	return s.closeErr
}

func slots() int {
	if testing.Testing() {
		return MaxLedgerInFlight
	}
	return 1
}
