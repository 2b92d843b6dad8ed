package testkit

import (
	"testing"

	"github.com/goperflabs/labs/internal/figure"
)

// FigureKey starts the key of every t.Attr that Report writes; the rest of
// the key is the figure's name.
const FigureKey = figure.KeyPrefix

// Figure is one measured figure of a gate: what was measured, the budget it
// had to meet and how they compare.
type Figure = figure.Figure

// Report records f as a test attribute with t.Attr, so that it arrives in
// `go test -json` as an "attr" event with the key FigureKey+f.Name and the
// figure as a JSON object. Tools read gate figures from there, never from
// the log text. Pass is computed from Value, Op and Budget. Call it from
// every gate a lab test writes by hand, before the gate fails the test.
func Report(t testing.TB, f Figure) Figure {
	t.Helper()
	f.Pass = f.Meets()
	t.Attr(f.Key(), f.Encode())
	return f
}

// ParseFigure decodes the value of an attribute written by Report.
func ParseFigure(value string) (Figure, error) { return figure.Parse(value) }
