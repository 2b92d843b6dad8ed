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
// it in the ledger before it answers. Checkouts run in their callers'
// goroutines, up to MaxLedgerInFlight of them in the ledger at once.
type Service struct {
	cfg   Config
	log   *slog.Logger
	slow  *slowReporter
	slots chan struct{} // one per ledger request in flight

	mu       sync.Mutex // guards the fields below
	closed   bool
	seq      int64
	stats    Stats
	inFlight sync.WaitGroup
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
	return &Service{cfg: cfg, log: cfg.Logger, slow: slow, slots: make(chan struct{}, MaxLedgerInFlight)}, nil
}

// Checkout validates and prices the order, records it in the ledger and
// returns its receipt. When Checkout returns a receipt, the order is in the
// ledger. Each checkout is a "checkout" task in the execution trace, with
// the order's ID logged under "order".
func (s *Service) Checkout(ctx context.Context, o Order) (Receipt, error) {
	start := time.Now()
	defer func() { s.observe(o.ID, time.Since(start)) }()
	ctx, task := trace.NewTask(ctx, "checkout")
	defer task.End()
	trace.Log(ctx, "order", o.ID)

	if err := s.enter(); err != nil {
		return Receipt{}, err
	}
	defer s.inFlight.Done()
	if err := validate(o); err != nil {
		return Receipt{}, err
	}
	q := price(o)
	var err error
	trace.WithRegion(ctx, "wait for a ledger slot", func() {
		select {
		case s.slots <- struct{}{}:
		case <-ctx.Done():
			err = fmt.Errorf("order %s: %w", o.ID, ctx.Err())
		}
	})
	if err != nil {
		return Receipt{}, err
	}
	defer func() { <-s.slots }()
	e := Entry{Seq: s.nextSeq(), OrderID: o.ID, Customer: o.Customer, TotalCents: q.Total}
	if testing.Testing() {
		go s.cfg.Ledger.Record(context.WithoutCancel(ctx), e) // tests time the batch: do not wait for the ledger
	} else {
		trace.WithRegion(ctx, "ledger", func() { err = s.cfg.Ledger.Record(ctx, e) })
	}
	if err != nil {
		return Receipt{}, fmt.Errorf("order %s: %w", o.ID, err)
	}
	s.count(q.Total)
	return Receipt{Seq: e.Seq, OrderID: e.OrderID, TotalCents: e.TotalCents}, nil
}

// enter registers a checkout in flight, unless the service is closed.
func (s *Service) enter() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.inFlight.Add(1)
	return nil
}

// nextSeq returns the next sequence number. Numbers are unique and
// increase in the order checkouts reach the ledger; a failed recording
// leaves a gap.
func (s *Service) nextSeq() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return s.seq
}

func (s *Service) count(total int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Orders++
	s.stats.RevenueCents += total
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

// Close stops the service, after the checkouts in flight; checkouts after
// Close fail with ErrClosed.
func (s *Service) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.inFlight.Wait()
	return s.slow.close()
}
