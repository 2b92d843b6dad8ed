// Package streaming is the nightly sales report: it reads a sales log (CSV,
// one order per line, 256 MiB of it) and adds up orders, units and revenue
// per region.
package streaming

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// sale is one parsed line of the log.
type sale struct {
	Region    string
	Qty       int
	UnitCents int
}

// Run reads the whole sales log from r and returns its report.
func Run(r io.Reader) (Report, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return Report{}, err
	}
	sales, err := parse(data)
	if err != nil {
		return Report{}, err
	}
	return aggregate(sales), nil
}

// parse turns every line after the header into a sale.
func parse(data []byte) ([]sale, error) {
	var sales []sale
	n := 0
	for line := range bytes.Lines(data) {
		n++
		if n == 1 {
			continue // header
		}
		// order_id,time,region,sku,qty,unit_cents
		f := bytes.Split(bytes.TrimSuffix(line, []byte("\n")), []byte(","))
		if len(f) != 6 {
			return nil, fmt.Errorf("line %d: %d fields, want 6", n, len(f))
		}
		qty, err := strconv.Atoi(string(f[4]))
		if err != nil {
			return nil, fmt.Errorf("line %d: qty: %w", n, err)
		}
		cents, err := strconv.Atoi(string(f[5]))
		if err != nil {
			return nil, fmt.Errorf("line %d: unit_cents: %w", n, err)
		}
		sales = append(sales, sale{Region: string(f[2]), Qty: qty, UnitCents: cents})
	}
	return sales, nil
}

// aggregate adds the sales up per region.
func aggregate(sales []sale) Report {
	byRegion := map[string]*RegionTotals{}
	for _, s := range sales {
		t := byRegion[s.Region]
		if t == nil {
			t = &RegionTotals{Region: s.Region}
			byRegion[s.Region] = t
		}
		t.Orders++
		t.Units += int64(s.Qty)
		t.RevenueCents += int64(s.Qty) * int64(s.UnitCents)
	}
	rep := Report{Total: RegionTotals{Region: "all"}}
	for _, t := range byRegion {
		rep.Regions = append(rep.Regions, *t)
		rep.Total.Orders += t.Orders
		rep.Total.Units += t.Units
		rep.Total.RevenueCents += t.RevenueCents
	}
	slices.SortFunc(rep.Regions, func(a, b RegionTotals) int { return strings.Compare(a.Region, b.Region) })
	return rep
}
