package testkit

import (
	"encoding/json"
	"strings"
	"testing"
)

// FigureKey starts the key of every t.Attr that Report writes; the rest of
// the key is the figure's name.
const FigureKey = "perflab.figure."

// Figure is one measured figure of a gate, as Report records it: what was
// measured, the budget it had to meet and how they compare.
type Figure struct {
	Name   string  `json:"name"`   // what was measured, such as "allocs/op"
	Value  float64 `json:"value"`  // the figure the code produced
	Op     string  `json:"op"`     // how Value must compare with Budget: "<=", ">=", "=="
	Budget float64 `json:"budget"` // the budget
	Unit   string  `json:"unit"`   // the unit of Value and Budget, such as "bytes"
	Pass   bool    `json:"pass"`   // whether Value met the budget
}

// Report records f as a test attribute with t.Attr, so that it arrives in
// `go test -json` as an "attr" event with the key FigureKey+f.Name and the
// figure as a JSON object. Tools read gate figures from there, never from
// the log text. Pass is computed from Value, Op and Budget.
func Report(t testing.TB, f Figure) Figure {
	t.Helper()
	f.Pass = f.meets()
	data, _ := json.Marshal(f)
	t.Attr(FigureKey+strings.ReplaceAll(f.Name, " ", "_"), string(data))
	return f
}

func (f Figure) meets() bool {
	switch f.Op {
	case ">=":
		return f.Value >= f.Budget
	case "==":
		return f.Value == f.Budget
	default:
		return f.Value <= f.Budget
	}
}

// ParseFigure decodes the value of an attribute written by Report.
func ParseFigure(value string) (Figure, error) {
	var f Figure
	err := json.Unmarshal([]byte(value), &f)
	return f, err
}
