package streaming

import (
	"fmt"
	"strings"
)

// RegionTotals is one row of the report.
type RegionTotals struct {
	Region       string
	Orders       int64
	Units        int64
	RevenueCents int64 // sum of qty × unit_cents
}

// Report is what the nightly job produces from a sales log: the totals of
// each region, sorted by region name, and of the whole log.
type Report struct {
	Regions []RegionTotals
	Total   RegionTotals // Region is "all"
}

// String formats the report as a table.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-12s %10s %10s %18s\n", "region", "orders", "units", "revenue")
	for _, t := range append(r.Regions, r.Total) {
		fmt.Fprintf(&b, "%-12s %10d %10d %15d.%02d\n", t.Region, t.Orders, t.Units, t.RevenueCents/100, t.RevenueCents%100)
	}
	return b.String()
}
