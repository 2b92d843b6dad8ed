package benchmarkslie

import "time"

// Receipt is what the customer gets for an order: the order, when it was
// issued, and the amounts in cents.
type Receipt struct {
	Order  Order
	Issued time.Time
	Net    int64 // before tax
	Tax    int64 // VAT, rounded half up
	Gross  int64 // Net + Tax
	VATBP  int64 // the VAT rate in basis points (1 % = 100)
	Notes  [4]string
}

// NewReceipt issues the receipt for o. The service stores every receipt
// it issues, so each one is a heap object.
func NewReceipt(o Order, issued time.Time) *Receipt {
	net := o.Net()
	bp := vatBasisPoints(o.Country)
	tax := (net*bp + 5000) / 10000
	return &Receipt{Order: o, Issued: issued, Net: net, Tax: tax, Gross: net + tax, VATBP: bp}
}

// vatBasisPoints is the standard VAT rate of a country, in basis points.
func vatBasisPoints(country string) int64 {
	switch country {
	case "DE":
		return 1900
	case "FR", "GB":
		return 2000
	case "NL", "ES":
		return 2100
	}
	return 0
}
