package benchmarkslie

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseOrder(t *testing.T) {
	o, err := ParseOrder("ORD-000123,CUST-0042,SKU-01234,3,1999,EUR,DE")
	require.NoError(t, err)
	assert.Equal(t, Order{ID: "ORD-000123", Customer: "CUST-0042", SKU: "SKU-01234", Qty: 3, UnitCents: 1999, Currency: "EUR", Country: "DE"}, o)
	assert.Equal(t, int64(5997), o.Net())

	for _, bad := range []string{
		"",
		"ORD-1,CUST-1,SKU-1,3,1999,EUR",
		"ORD-1,CUST-1,SKU-1,3,1999,EUR,DE,extra",
		"ORD-1,CUST-1,SKU-1,0,1999,EUR,DE",
		"ORD-1,CUST-1,SKU-1,x,1999,EUR,DE",
		"ORD-1,CUST-1,SKU-1,3,-5,EUR,DE",
		"1,CUST-1,SKU-1,3,1999,EUR,DE",
		"ORD-1,CUST-1,SKU-1,3,1999,CHF,DE",
		"ORD-1,CUST-1,SKU-1,3,1999,EUR,DEU",
	} {
		_, err := ParseOrder(bad)
		assert.ErrorIs(t, err, ErrBadOrder, "ParseOrder(%q)", bad)
	}
	for _, line := range SampleOrderLines(500, 100, 5) {
		_, err := ParseOrder(line)
		require.NoError(t, err, line)
	}
}

func TestCatalog(t *testing.T) {
	c, err := NewCatalog(SampleProducts(300, 5))
	require.NoError(t, err)
	assert.Equal(t, 300, c.Len())
	for i := range 300 {
		p, err := c.Find(SKU(i))
		require.NoError(t, err)
		assert.Equal(t, SKU(i), p.SKU)
	}
	_, err = c.Find("SKU-99999")
	assert.ErrorIs(t, err, ErrNoProduct)

	n := 0
	for _, cat := range categories {
		n += len(c.InCategory(cat))
	}
	assert.Equal(t, 300, n, "every product is in one category")

	_, err = NewCatalog([]Product{{SKU: "SKU-1"}, {SKU: "SKU-1"}})
	assert.Error(t, err, "a SKU listed twice")
	_, err = NewCatalog([]Product{{Name: "nameless"}})
	assert.Error(t, err, "an empty SKU")
}

func TestPricerUsesBestRuleAndCaches(t *testing.T) {
	c, err := NewCatalog([]Product{
		{SKU: "SKU-00001", Name: "Kettle", Category: "kitchen", UnitCents: 1000},
		{SKU: "SKU-00002", Name: "Hose", Category: "garden", UnitCents: 2000},
	})
	require.NoError(t, err)
	rules := []Rule{
		{Name: "kitchen-10", Category: "Kitchen", MinQty: 1, PercentOff: 10},
		{Name: "bulk-25", SKUPrefix: "SKU-0000", MinQty: 5, PercentOff: 25},
	}
	p := NewPricer(c, rules, 2)

	q, err := p.Quote("SKU-00001", 2)
	require.NoError(t, err)
	assert.Equal(t, Quote{Ref: "Q-SKU-00001-2", SKU: "SKU-00001", Qty: 2, UnitCents: 1000, TotalCents: 1800, Rule: "kitchen-10"}, q)
	q, err = p.Quote("SKU-00001", 5)
	require.NoError(t, err)
	assert.Equal(t, int64(3750), q.TotalCents)
	assert.Equal(t, "bulk-25", q.Rule)
	q, err = p.Quote("SKU-00002", 1)
	require.NoError(t, err)
	assert.Equal(t, int64(2000), q.TotalCents)
	assert.Empty(t, q.Rule)

	_, err = p.Quote("SKU-00002", 1)
	require.NoError(t, err)
	hits, misses := p.Stats()
	assert.Equal(t, 1, hits)
	assert.Equal(t, 3, misses)

	_, err = p.Quote("SKU-00001", 2) // evicted: the cache holds 2
	require.NoError(t, err)
	_, misses = p.Stats()
	assert.Equal(t, 4, misses)

	_, err = p.Quote("SKU-77777", 1)
	assert.True(t, errors.Is(err, ErrNoProduct), "unknown SKU: %v", err)
	_, err = p.Quote("SKU-00001", 0)
	assert.Error(t, err)
}

func TestReceipt(t *testing.T) {
	issued := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	r := NewReceipt(Order{ID: "ORD-1", Qty: 3, UnitCents: 1999, Country: "DE"}, issued)
	assert.Equal(t, int64(5997), r.Net)
	assert.Equal(t, int64(1139), r.Tax) // 19 % of 59.97, rounded half up
	assert.Equal(t, int64(7136), r.Gross)
	assert.Equal(t, issued, r.Issued)
	assert.Equal(t, int64(0), NewReceipt(Order{Qty: 1, UnitCents: 100, Country: "US"}, issued).Tax)
}
