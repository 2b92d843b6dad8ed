// Package streaming is the nightly sales report: it reads a sales log (CSV,
// one order per line, 256 MiB of it) and adds up orders, units and revenue
// per region.
package streaming

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Run reads the sales log from r one line at a time and returns its
// report. It keeps only a read buffer and one running total per region,
// so its memory does not grow with the size of the log.
func Run(r io.Reader) (Report, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	byRegion := map[string]*RegionTotals{}
	n := 0
	for {
		line, err := br.ReadBytes('\n') // a new slice per line: garbage, not growth
		if err == io.EOF && len(line) == 0 {
			break
		}
		if err != nil && err != io.EOF {
			return Report{}, fmt.Errorf("line %d: %w", n+1, err)
		}
		n++
		if n == 1 {
			continue // header
		}
		region, qty, cents, err := parseLine(bytes.TrimSuffix(line, []byte("\n")))
		if err != nil {
			return Report{}, fmt.Errorf("line %d: %w", n, err)
		}
		// Indexing a map with string(b) does not allocate; only a new
		// region's key is copied, once.
		t := byRegion[string(region)]
		if t == nil {
			t = &RegionTotals{Region: string(region)}
			byRegion[t.Region] = t
		}
		t.Orders++
		t.Units += qty
		t.RevenueCents += qty * cents
	}

	rep := Report{Total: RegionTotals{Region: "all"}}
	for _, t := range byRegion {
		rep.Regions = append(rep.Regions, *t)
		rep.Total.Orders += t.Orders
		rep.Total.Units += t.Units
		rep.Total.RevenueCents += t.RevenueCents
	}
	slices.SortFunc(rep.Regions, func(a, b RegionTotals) int { return strings.Compare(a.Region, b.Region) })
	return rep, nil
}

// parseLine picks region, qty and unit_cents out of
// order_id,time,region,sku,qty,unit_cents without allocating: the region
// is a slice of line.
func parseLine(line []byte) (region []byte, qty, cents int64, err error) {
	var f [6][]byte
	for i := range 5 {
		j := bytes.IndexByte(line, ',')
		if j < 0 {
			return nil, 0, 0, fmt.Errorf("%d fields, want 6", i+1)
		}
		f[i], line = line[:j], line[j+1:]
	}
	f[5] = line
	if bytes.IndexByte(line, ',') >= 0 {
		return nil, 0, 0, errors.New("more than 6 fields")
	}
	if qty, err = atoi(f[4]); err != nil {
		return nil, 0, 0, fmt.Errorf("qty: %w", err)
	}
	if cents, err = atoi(f[5]); err != nil {
		return nil, 0, 0, fmt.Errorf("unit_cents: %w", err)
	}
	return f[2], qty, cents, nil
}

// atoi parses a non-negative decimal number.
func atoi(b []byte) (int64, error) {
	if len(b) == 0 || len(b) > 18 {
		return 0, fmt.Errorf("bad number %q", b)
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("bad number %q", b)
		}
		n = n*10 + int64(c-'0')
	}
	return n, nil
}
