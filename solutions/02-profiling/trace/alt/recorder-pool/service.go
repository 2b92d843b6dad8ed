package orders

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/trace"
	"sync"
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

	// The recorder goroutine owns seq and stats: nothing else touches them,
	// so they need no lock.
	jobs     chan job
	statsReq chan chan Stats
	quit     chan struct{}
	done     chan struct{}
	mu       sync.Mutex // guards seq and stats, shared by the recorders
	seq      int64
	stats    Stats

	closeOnce sync.Once
}

// job is one order on its way to the ledger.
type job struct {
	ctx   context.Context
	order Order
	quote Quote
	reply chan result
}

type result struct {
	receipt Receipt
	err     error
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
	s := &Service{
		cfg: cfg, log: cfg.Logger, slow: slow,
		jobs: make(chan job), statsReq: make(chan chan Stats),
		quit: make(chan struct{}), done: make(chan struct{}),
	}
	var wg sync.WaitGroup
	for range MaxLedgerInFlight {
		wg.Go(s.recorder)
	}
	go func() { wg.Wait(); close(s.done) }()
	return s, nil
}

// Checkout validates and prices the order, records it in the ledger and
// returns its receipt. When Checkout returns a receipt, the order is in the
// ledger.
func (s *Service) Checkout(ctx context.Context, o Order) (Receipt, error) {
	start := time.Now()
	defer func() { s.observe(o.ID, time.Since(start)) }()
	ctx, task := trace.NewTask(ctx, "checkout")
	defer task.End()
	trace.Log(ctx, "order", o.ID)
	if err := validate(o); err != nil {
		return Receipt{}, err
	}
	j := job{ctx: ctx, order: o, quote: price(o), reply: make(chan result, 1)}
	select {
	case s.jobs <- j:
	case <-s.quit:
		return Receipt{}, ErrClosed
	case <-ctx.Done():
		return Receipt{}, fmt.Errorf("order %s: %w", o.ID, ctx.Err())
	}
	var r result
	trace.WithRegion(ctx, "ledger", func() { r = <-j.reply })
	return r.receipt, r.err
}

// recorder writes the orders to the ledger, one at a time, in the order
// they arrive, and keeps the counts.
func (s *Service) recorder() {
	for {
		select {
		case j := <-s.jobs:
			j.reply <- s.record(j)
		case reply := <-s.statsReq:
			s.mu.Lock()
			reply <- s.stats
			s.mu.Unlock()
		case <-s.quit:
			return
		}
	}
}

func (s *Service) record(j job) result {
	s.mu.Lock()
	s.seq++
	e := Entry{Seq: s.seq, OrderID: j.order.ID, Customer: j.order.Customer, TotalCents: j.quote.Total}
	s.mu.Unlock()
	if err := s.cfg.Ledger.Record(j.ctx, e); err != nil {
		return result{err: fmt.Errorf("order %s: %w", j.order.ID, err)}
	}
	s.mu.Lock()
	s.stats.Orders++
	s.stats.RevenueCents += j.quote.Total
	s.mu.Unlock()
	return result{receipt: Receipt{Seq: e.Seq, OrderID: e.OrderID, TotalCents: e.TotalCents}}
}

// Stats returns the counts of the orders recorded so far.
func (s *Service) Stats() Stats {
	reply := make(chan Stats, 1)
	select {
	case s.statsReq <- reply:
		return <-reply
	case <-s.done:
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.stats
	}
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
	s.closeOnce.Do(func() { close(s.quit) })
	<-s.done
	return s.slow.close()
}
