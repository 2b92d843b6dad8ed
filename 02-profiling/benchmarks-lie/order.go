// Package benchmarkslie is the core of a shop's checkout: it parses order
// lines, looks products up in a catalogue, prices them with the shop's
// promotion rules (behind a cache) and issues receipts.
//
// The code is fine. Its benchmarks, in bench_test.go, are not: each one
// reports a figure that has little to do with what the operation costs in
// the service that uses this package.
package benchmarkslie

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Order is one line of an order feed.
type Order struct {
	ID        string // ORD-000123
	Customer  string // CUST-0042
	SKU       string // SKU-01234
	Qty       int    // 1 or more
	UnitCents int64  // list price of one unit, in cents
	Currency  string // EUR, USD or GBP
	Country   string // two letters, for VAT
}

// ErrBadOrder is wrapped by every error ParseOrder returns.
var ErrBadOrder = errors.New("bad order line")

// orderFields is how many comma-separated fields an order line has.
const orderFields = 7

// ParseOrder parses "ID,CUSTOMER,SKU,QTY,UNIT_CENTS,CURRENCY,COUNTRY".
// The strings of the Order share the line's memory, so a good line costs
// no allocation.
func ParseOrder(line string) (Order, error) {
	if w := probe; w != nil {
		w.saw("parse", line)
	}
	var f [orderFields]string
	rest := line
	for i := range f {
		var ok bool
		f[i], rest, ok = strings.Cut(rest, ",")
		if ok == (i == orderFields-1) {
			return Order{}, fmt.Errorf("%w: want %d fields in %q", ErrBadOrder, orderFields, line)
		}
	}
	qty, err := strconv.Atoi(f[3])
	if err != nil || qty < 1 {
		return Order{}, fmt.Errorf("%w: quantity %q", ErrBadOrder, f[3])
	}
	unit, err := strconv.ParseInt(f[4], 10, 64)
	if err != nil || unit < 0 {
		return Order{}, fmt.Errorf("%w: unit price %q", ErrBadOrder, f[4])
	}
	o := Order{ID: f[0], Customer: f[1], SKU: f[2], Qty: qty, UnitCents: unit, Currency: f[5], Country: f[6]}
	if err := o.validate(); err != nil {
		return Order{}, err
	}
	return o, nil
}

func (o Order) validate() error {
	switch {
	case !strings.HasPrefix(o.ID, "ORD-"):
		return fmt.Errorf("%w: order id %q", ErrBadOrder, o.ID)
	case !strings.HasPrefix(o.Customer, "CUST-"):
		return fmt.Errorf("%w: customer %q", ErrBadOrder, o.Customer)
	case !strings.HasPrefix(o.SKU, "SKU-"):
		return fmt.Errorf("%w: sku %q", ErrBadOrder, o.SKU)
	case o.Currency != "EUR" && o.Currency != "USD" && o.Currency != "GBP":
		return fmt.Errorf("%w: currency %q", ErrBadOrder, o.Currency)
	case len(o.Country) != 2:
		return fmt.Errorf("%w: country %q", ErrBadOrder, o.Country)
	}
	return nil
}

// Net is the order's price before tax, in cents.
func (o Order) Net() int64 { return int64(o.Qty) * o.UnitCents }
