package retention

import (
	"fmt"
	"strings"
)

// Order is what the index keeps about one order message.
type Order struct {
	ID       string // "ord-000042"
	Customer string // "cust-0017"
	Items    int    // item lines in the message
	Total    int    // sum of qty*price over the items, in cents
	Bytes    int    // size of the whole message
}

// Message builds order message n, size bytes long (at least about 2 KiB
// for the largest orders), the way the upstream system sends them: one
// header line, then one line per item (1 to 40 of them), then an attached
// note that pads the message to size. It also returns the Order that
// indexing the message must produce.
//
//	ORDER id=ord-000042 customer=cust-0017 currency=EUR
//	item sku-01302 qty=3 price=1838
//	item sku-01309 qty=4 price=1855
//	…
//	note xxxxxxxx…
func Message(n, size int) (string, Order) {
	want := Order{
		ID:       fmt.Sprintf("ord-%06d", n),
		Customer: fmt.Sprintf("cust-%04d", n%997),
		Bytes:    size,
	}
	var b strings.Builder
	b.Grow(size)
	fmt.Fprintf(&b, "ORDER id=%s customer=%s currency=EUR\n", want.ID, want.Customer)
	const longestItem = len("item sku-00000 qty=5 price=9099\n")
	const note = "note "
	for k := 0; k < 1+n%40 && b.Len()+longestItem+len(note)+1 <= size; k++ {
		qty, price := 1+(n+k)%5, 100+(n*13+k*17)%9000
		fmt.Fprintf(&b, "item sku-%05d qty=%d price=%d\n", (n*31+k*7)%100000, qty, price)
		want.Items++
		want.Total += qty * price
	}
	b.WriteString(note)
	for b.Len() < size-1 {
		b.WriteString(filler[:min(len(filler), size-1-b.Len())])
	}
	b.WriteByte('\n')
	return b.String(), want
}

const filler = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. "
