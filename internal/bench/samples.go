// Package bench compares two versions of a lab's code by their benchmarks,
// the way benchstat does: it builds a test binary for each, runs them in
// interleaved rounds so that a noisy machine slows both alike, and sums up
// each benchmark and unit with golang.org/x/perf/benchmath: a median with
// its confidence interval, the change, and a p-value. A change that is not
// significant prints "~".
//
// # Usage
//
//	cmp, err := bench.Run(ctx, bench.Spec{Root: root, Package: "./02-profiling/cpu-hotspot",
//		Base: bench.Version{Name: "shipped", Overlay: shippedOverlay},
//		Head: bench.Version{Name: "yours"}, Rounds: 10})
//	cmp.WriteTable(os.Stdout)
package bench

import (
	"fmt"
	"io"
	"slices"

	"golang.org/x/perf/benchfmt"
)

// Key names one benchmark's measurements in one unit.
type Key struct {
	Benchmark string // "BenchmarkParse-2"'s name without the GOMAXPROCS suffix: "Parse"
	Unit      string // "sec/op", "B/op", "allocs/op", or a custom metric's unit
}

// Samples holds every measurement of one version, per benchmark and unit,
// and the keys in the order they first appeared.
type Samples struct {
	Values map[Key][]float64
	Order  []Key
}

// Parse reads `go test -bench` output and adds its measurements.
func (s *Samples) Parse(r io.Reader, name string) error {
	if s.Values == nil {
		s.Values = map[Key][]float64{}
	}
	br := benchfmt.NewReader(r, name)
	for br.Scan() {
		res, ok := br.Result().(*benchfmt.Result)
		if !ok {
			continue
		}
		base := nameOf(res.Name)
		for _, v := range res.Values {
			unit, value := v.Unit, v.Value
			if unit == "ns/op" {
				unit, value = "sec/op", value/1e9
			}
			k := Key{Benchmark: base, Unit: unit}
			if _, seen := s.Values[k]; !seen {
				s.Order = append(s.Order, k)
			}
			s.Values[k] = append(s.Values[k], value)
		}
	}
	if err := br.Err(); err != nil {
		return fmt.Errorf("reading %s's benchmark output: %w", name, err)
	}
	return nil
}

// Keys returns the keys of both versions: base's order, then keys only head has.
func Keys(base, head Samples) []Key {
	keys := slices.Clone(base.Order)
	for _, k := range head.Order {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// nameOf is a benchmark's full name, sub-benchmarks included, without its
// GOMAXPROCS suffix: "Parse/size=10".
func nameOf(n benchfmt.Name) string {
	base, parts := n.Parts()
	out := string(base)
	for _, p := range parts {
		if len(p) > 0 && p[0] != '-' {
			out += string(p)
		}
	}
	return out
}
