package bench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"golang.org/x/perf/benchmath"
)

// Confidence is the level of every confidence interval.
const Confidence = 0.95

// Row is one benchmark and unit compared.
type Row struct {
	Key
	Base, Head         benchmath.Summary
	NBase, NHead       int
	Comparison         benchmath.Comparison
	BaseOnly, HeadOnly bool // measured in one version only
}

// Significant reports whether the change is more than noise: the centers
// differ and P is at most the test's alpha (0.05; for exact units such as
// allocs/op, any difference counts, as in benchstat).
func (r Row) Significant() bool {
	return !r.BaseOnly && !r.HeadOnly && r.Base.Center != r.Head.Center && r.Comparison.P <= r.Comparison.Alpha
}

// Delta is the change from base to head, such as "-90.12%", or "~" when it
// is not significant.
func (r Row) Delta() string {
	if r.BaseOnly || r.HeadOnly {
		return ""
	}
	if !r.Significant() {
		return "~"
	}
	return r.Comparison.FormatDelta(r.Base.Center, r.Head.Center)
}

// Warnings are benchmath's warnings about the row (too few samples, …).
func (r Row) Warnings() []error {
	w := append([]error{}, r.Base.Warnings...)
	w = append(w, r.Head.Warnings...)
	return append(w, r.Comparison.Warnings...)
}

// Comparison is every row of two versions compared.
type Comparison struct {
	BaseName, HeadName string
	Rows               []Row
}

// Compare sums up and compares base and head, key by key, with a
// distribution-free test (Mann-Whitney U) and medians, as benchstat does.
func Compare(baseName string, base Samples, headName string, head Samples) Comparison {
	c := Comparison{BaseName: baseName, HeadName: headName}
	thresholds := benchmath.DefaultThresholds
	for _, k := range Keys(base, head) {
		assume := assumptionFor(k.Unit)
		bv, hv := base.Values[k], head.Values[k]
		row := Row{Key: k, NBase: len(bv), NHead: len(hv), BaseOnly: len(hv) == 0, HeadOnly: len(bv) == 0}
		bs, hs := benchmath.NewSample(bv, &thresholds), benchmath.NewSample(hv, &thresholds)
		if len(bv) > 0 {
			row.Base = assume.Summary(bs, Confidence)
		}
		if len(hv) > 0 {
			row.Head = assume.Summary(hs, Confidence)
		}
		if len(bv) > 0 && len(hv) > 0 {
			row.Comparison = assume.Compare(bs, hs)
		}
		c.Rows = append(c.Rows, row)
	}
	return c
}

// assumptionFor is benchstat's default for every unit: no assumption about
// the distribution. Allocation figures look exact but are not quite (a map
// or the collector can add one now and then), so they are no exception.
func assumptionFor(string) benchmath.Assumption { return benchmath.AssumeNothing }

// WriteTable prints the comparison as benchstat's table does: per unit,
// each benchmark's base and head with their intervals, the change and its
// p-value and sample sizes.
func (c Comparison) WriteTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	unit := ""
	for _, r := range c.Rows {
		if r.Unit != unit {
			if unit != "" {
				fmt.Fprintln(tw)
			}
			unit = r.Unit
			fmt.Fprintf(tw, "%s\t%s\t\t%s\t\t\t\n", r.Unit, c.BaseName, c.HeadName)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Benchmark,
			value(r.Unit, r.Base, r.BaseOnly || !r.HeadOnly), interval(r.Base, r.HeadOnly),
			value(r.Unit, r.Head, r.HeadOnly || !r.BaseOnly), interval(r.Head, r.BaseOnly),
			r.Delta(), stats(r))
	}
	tw.Flush()
	var warned []string
	for _, r := range c.Rows {
		for _, err := range r.Warnings() {
			warned = append(warned, fmt.Sprintf("%s %s: %v", r.Benchmark, r.Unit, err))
		}
	}
	if len(warned) > 0 {
		fmt.Fprintln(w, "\nwarnings:\n  "+strings.Join(dedupe(warned), "\n  "))
	}
}

func value(unit string, s benchmath.Summary, present bool) string {
	if !present {
		return "—"
	}
	return Format(unit, s.Center)
}

func interval(s benchmath.Summary, absent bool) string {
	if absent {
		return ""
	}
	return "± " + s.PctRangeString()
}

func stats(r Row) string {
	if r.BaseOnly || r.HeadOnly {
		return ""
	}
	return fmt.Sprintf("(p=%.3f n=%d+%d)", r.Comparison.P, r.NBase, r.NHead)
}

// Format writes a value in its unit, scaled: 1.34ms, 9.2KiB, 285.9k, 3.
func Format(unit string, v float64) string {
	switch {
	case strings.HasPrefix(unit, "sec/"):
		for _, s := range []struct {
			f    float64
			name string
		}{{1, "s"}, {1e-3, "ms"}, {1e-6, "µs"}, {1e-9, "ns"}} {
			if v >= s.f || s.name == "ns" {
				return fmt.Sprintf("%.3g%s", v/s.f, s.name)
			}
		}
	case unit == "B/op":
		for _, s := range []struct {
			f    float64
			name string
		}{{1 << 30, "GiB"}, {1 << 20, "MiB"}, {1 << 10, "KiB"}, {1, "B"}} {
			if v >= s.f || s.name == "B" {
				return fmt.Sprintf("%.4g%s", v/s.f, s.name)
			}
		}
	}
	for _, s := range []struct {
		f    float64
		name string
	}{{1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if v >= 10*s.f {
			return fmt.Sprintf("%.4g%s", v/s.f, s.name)
		}
	}
	return fmt.Sprintf("%.4g", v)
}

func dedupe(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
