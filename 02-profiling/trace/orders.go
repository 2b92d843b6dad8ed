// Package orders is the checkout service of an online shop: it checks an
// order, prices it and records it in the ledger, the shop's system of
// record, before it answers. It is the subject of a lab in finding
// latency that comes from waiting, with the execution trace.
package orders

import (
	"errors"
	"fmt"
	"regexp"
)

// Errors of Checkout.
var (
	ErrInvalidOrder = errors.New("invalid order")
	ErrClosed       = errors.New("checkout service closed")
)

// Order is what a customer asks for.
type Order struct {
	ID       string // unique, such as "ord-000123"
	Customer string
	Country  string // ISO 3166 code of the delivery address: "DE", "FR", …
	Coupon   string // optional
	Lines    []Line
}

// Line is one product of an order.
type Line struct {
	SKU            string
	Quantity       int
	UnitPriceCents int64
}

// Receipt is what Checkout returns once the order is in the ledger.
type Receipt struct {
	Seq        int64  // the ledger's sequence number: 1, 2, 3, … in the order of recording
	OrderID    string // Order.ID
	TotalCents int64  // what the customer pays, VAT included
}

// Stats sums up the orders a service has recorded.
type Stats struct {
	Orders       int64
	RevenueCents int64
}

var (
	orderID = regexp.MustCompile(`^[a-z]{3}-[0-9a-z-]{1,40}$`)
	skuID   = regexp.MustCompile(`^[A-Z]{2,4}-[0-9]{3,6}$`)
)

// maxLines and maxQuantity bound an order.
const (
	maxLines    = 100
	maxQuantity = 1000
)

// validate returns an error wrapping ErrInvalidOrder if the order cannot be
// priced.
func validate(o Order) error {
	switch {
	case !orderID.MatchString(o.ID):
		return fmt.Errorf("order id %q: %w", o.ID, ErrInvalidOrder)
	case o.Customer == "":
		return fmt.Errorf("order %s: no customer: %w", o.ID, ErrInvalidOrder)
	case len(o.Lines) == 0 || len(o.Lines) > maxLines:
		return fmt.Errorf("order %s: %d lines, want 1 to %d: %w", o.ID, len(o.Lines), maxLines, ErrInvalidOrder)
	}
	if _, ok := vatRates[o.Country]; !ok {
		return fmt.Errorf("order %s: no delivery to %q: %w", o.ID, o.Country, ErrInvalidOrder)
	}
	if _, ok := coupons[o.Coupon]; o.Coupon != "" && !ok {
		return fmt.Errorf("order %s: unknown coupon %q: %w", o.ID, o.Coupon, ErrInvalidOrder)
	}
	for i, l := range o.Lines {
		switch {
		case !skuID.MatchString(l.SKU):
			return fmt.Errorf("order %s line %d: sku %q: %w", o.ID, i+1, l.SKU, ErrInvalidOrder)
		case l.Quantity < 1 || l.Quantity > maxQuantity:
			return fmt.Errorf("order %s line %d: quantity %d: %w", o.ID, i+1, l.Quantity, ErrInvalidOrder)
		case l.UnitPriceCents <= 0:
			return fmt.Errorf("order %s line %d: price %d: %w", o.ID, i+1, l.UnitPriceCents, ErrInvalidOrder)
		}
	}
	return nil
}
