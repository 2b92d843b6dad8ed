package orders_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	orders "github.com/goperflabs/labs/02-profiling/trace"
	"github.com/goperflabs/labs/internal/testkit"
)

// TestCheckoutRecordsBeforeReturning checks out 96 orders from 24 clients
// at once and checks every receipt: the order is in the ledger when
// Checkout returns, with the receipt's sequence number and total; the
// sequence numbers are 1 to 96, each once; and Stats adds up. Run it with
// -race: the clients check out concurrently.
func TestCheckoutRecordsBeforeReturning(t *testing.T) {
	testkit.NoLeaks(t, "the goroutines the checkout service starts (does Close stop them all?)")
	led := newLedger(time.Millisecond)
	svc, err := orders.New(orders.Config{Ledger: led, Logger: quiet()})
	if err != nil {
		t.Fatalf("starting the checkout service: %v", err)
	}
	batch := freshOrders(96)
	receipts := make([]orders.Receipt, len(batch))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var problems []string
	next := make(chan int)
	for range 24 {
		wg.Go(func() {
			for i := range next {
				r, err := svc.Checkout(context.Background(), batch[i])
				e, ok := led.entry(batch[i].ID)
				mu.Lock()
				receipts[i] = r
				switch {
				case err != nil:
					problems = append(problems, fmt.Sprintf("the checkout of %s: %v", batch[i].ID, err))
				case !ok:
					problems = append(problems, fmt.Sprintf("the checkout of %s returned before the order was in the ledger", batch[i].ID))
				case e.Seq != r.Seq || e.TotalCents != r.TotalCents || r.OrderID != batch[i].ID:
					problems = append(problems, fmt.Sprintf("the checkout of %s: receipt %+v, ledger entry %+v", batch[i].ID, r, e))
				}
				mu.Unlock()
			}
		})
	}
	for i := range batch {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, p := range problems {
		if i == 5 {
			t.Errorf("… %d problems in all", len(problems))
			break
		}
		t.Error(p)
	}
	checkSeqs(t, receipts)
	var revenue int64
	for _, r := range receipts {
		revenue += r.TotalCents
	}
	if got := svc.Stats(); got.Orders != int64(len(batch)) || got.RevenueCents != revenue {
		t.Errorf("the service counts %+v after %d orders worth %d cents", got, len(batch), revenue)
	}
	if err := svc.Close(); err != nil {
		t.Errorf("closing the service: %v", err)
	}
	after := make(chan error, 1)
	go func() {
		_, err := svc.Checkout(context.Background(), freshOrders(1)[0])
		after <- err
	}()
	select {
	case err := <-after:
		if !errors.Is(err, orders.ErrClosed) {
			t.Errorf("a checkout after closing the service: %v, want ErrClosed", err)
		}
	case <-time.After(2 * time.Second):
		t.Errorf("a checkout after closing the service had not returned after 2s; want ErrClosed at once")
	}
}

func checkSeqs(t *testing.T, receipts []orders.Receipt) {
	t.Helper()
	seen := make([]int, len(receipts)+1)
	for _, r := range receipts {
		if r.Seq < 1 || r.Seq > int64(len(receipts)) {
			t.Errorf("receipt of %s has sequence number %d, want 1 to %d", r.OrderID, r.Seq, len(receipts))
			continue
		}
		seen[r.Seq]++
	}
	for seq, n := range seen[1:] {
		if n > 1 {
			t.Errorf("sequence number %d was given to %d orders, want one", seq+1, n)
		}
	}
}

// TestCheckoutPricesAndRejects checks prices and the orders Checkout
// refuses.
func TestCheckoutPricesAndRejects(t *testing.T) {
	svc := newService(t, orders.Config{Ledger: newLedger(0)})
	ctx := context.Background()
	line := func(q int, cents int64) orders.Line {
		return orders.Line{SKU: "HOME-1234", Quantity: q, UnitPriceCents: cents}
	}
	cases := []struct {
		name  string
		order orders.Order
		total int64
	}{
		// (2000 + 495 shipping) + 19% VAT of 2495 = 474.05
		{"shipping and VAT", orders.Order{Country: "DE", Lines: []orders.Line{line(2, 1000)}}, 2969},
		// free shipping from 50 €; 5000 + 20% VAT
		{"free shipping", orders.Order{Country: "FR", Lines: []orders.Line{line(1, 5000)}}, 6000},
		// 9999 - 10% (999.9 → 1000) = 8999, + 21% VAT (1889.79 → 1890)
		{"coupon", orders.Order{Country: "NL", Coupon: "WELCOME10", Lines: []orders.Line{line(3, 3333)}}, 10889},
		// BULK15 needs 500 €: no discount; 100 + 495 + 17% VAT (101.15 → 101)
		{"coupon below its minimum", orders.Order{Country: "LU", Coupon: "BULK15", Lines: []orders.Line{line(1, 100)}}, 696},
	}
	for i, c := range cases {
		o := c.order
		o.ID = fmt.Sprintf("prc-%d-%d", i, time.Now().UnixNano())
		o.Customer = "cust-1"
		r, err := svc.Checkout(ctx, o)
		if err != nil {
			t.Fatalf("%s: checkout: %v", c.name, err)
		}
		if r.TotalCents != c.total || r.OrderID != o.ID {
			t.Errorf("%s: receipt %+v, want total %d for order %s", c.name, r, c.total, o.ID)
		}
	}
	bad := []orders.Order{
		{ID: "BAD", Customer: "c", Country: "DE", Lines: []orders.Line{line(1, 100)}},
		{ID: "ord-1", Country: "DE", Lines: []orders.Line{line(1, 100)}},
		{ID: "ord-2", Customer: "c", Country: "US", Lines: []orders.Line{line(1, 100)}},
		{ID: "ord-3", Customer: "c", Country: "DE", Coupon: "FREE100", Lines: []orders.Line{line(1, 100)}},
		{ID: "ord-4", Customer: "c", Country: "DE"},
		{ID: "ord-5", Customer: "c", Country: "DE", Lines: []orders.Line{line(0, 100)}},
		{ID: "ord-6", Customer: "c", Country: "DE", Lines: []orders.Line{{SKU: "x", Quantity: 1, UnitPriceCents: 100}}},
	}
	for _, o := range bad {
		if _, err := svc.Checkout(ctx, o); !errors.Is(err, orders.ErrInvalidOrder) {
			t.Errorf("the checkout of %+v: %v, want ErrInvalidOrder", o, err)
		}
	}
}
