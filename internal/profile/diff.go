package profile

import (
	"fmt"
	"io"

	"github.com/google/pprof/profile"
)

// Diff subtracts base's samples from p's, as `go tool pprof -diff_base`
// does: in the result, a function's cost is its change, negative where it
// fell. Neither profile is changed.
func Diff(p, base *profile.Profile) (*profile.Profile, error) {
	neg := base.Copy()
	neg.Scale(-1)
	d, err := profile.Merge([]*profile.Profile{p.Copy(), neg})
	if err != nil {
		return nil, fmt.Errorf("the two profiles cannot be compared: %w", err)
	}
	return d, nil
}

// WriteChanges prints the n largest changes, by flat and by cumulative
// cost, of a table made from a Diff; before is the base's total.
func (t Table) WriteChanges(w io.Writer, n int, before int64) {
	fmt.Fprintf(w, "%s: %s before, %s now (%s)\n", t.Type, FormatValue(t.Unit, before),
		FormatValue(t.Unit, before+t.Total), signed(t.Unit, t.Total))
	fmt.Fprintf(w, "\ntop %d changes by flat:\n", n)
	t.writeChanges(w, t.ByFlat(n))
	fmt.Fprintf(w, "\ntop %d changes by cum:\n", n)
	t.writeChanges(w, t.ByCum(n))
}

func (t Table) writeChanges(w io.Writer, es []Entry) {
	fmt.Fprintf(w, "  %11s %11s\n", "flat", "cum")
	for _, e := range es {
		mark := " "
		if e.Mine {
			mark = "»"
		}
		fmt.Fprintf(w, "  %11s %11s %s %s\n", signed(t.Unit, e.Flat), signed(t.Unit, e.Cum), mark, ShortName(e.Name))
	}
	if len(es) == 0 {
		fmt.Fprintln(w, "  (no change)")
	}
}

func signed(unit string, v int64) string {
	if v > 0 {
		return "+" + FormatValue(unit, v)
	}
	return FormatValue(unit, v)
}
