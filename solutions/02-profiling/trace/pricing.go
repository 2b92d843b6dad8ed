package orders

// VAT rates in basis points (1/100 of a percent) by delivery country.
var vatRates = map[string]int64{
	"DE": 1900, "FR": 2000, "NL": 2100, "BE": 2100, "AT": 2000,
	"IT": 2200, "ES": 2100, "PT": 2300, "IE": 2300, "LU": 1700,
}

// Coupons: the discount in basis points of the subtotal, and the subtotal
// from which it applies.
var coupons = map[string]struct{ basisPoints, minCents int64 }{
	"WELCOME10": {1000, 0},
	"BULK15":    {1500, 50_000},
	"FREESHIP":  {0, 0},
}

// Shipping is free from freeShippingCents of subtotal, or with FREESHIP.
const (
	shippingCents     = 495
	freeShippingCents = 5_000
)

// Quote is the price of an order, all in cents.
type Quote struct {
	Subtotal, Discount, Shipping, VAT, Total int64
}

// price works out what the customer pays. Amounts are rounded to the cent,
// half up, at each step, the way the invoices show them.
func price(o Order) Quote {
	var q Quote
	for _, l := range o.Lines {
		q.Subtotal += int64(l.Quantity) * l.UnitPriceCents
	}
	if c, ok := coupons[o.Coupon]; ok && q.Subtotal >= c.minCents {
		q.Discount = percentOf(q.Subtotal, c.basisPoints)
	}
	if q.Subtotal < freeShippingCents && o.Coupon != "FREESHIP" {
		q.Shipping = shippingCents
	}
	net := q.Subtotal - q.Discount + q.Shipping
	q.VAT = percentOf(net, vatRates[o.Country])
	q.Total = net + q.VAT
	return q
}

// percentOf returns basisPoints/10000 of cents, rounded half up.
func percentOf(cents, basisPoints int64) int64 {
	return (cents*basisPoints + 5000) / 10000
}
