// Package figure is the measured figure of a lab's gate as it travels from a
// test to perflab: recorded with t.Attr by testkit.Report, read back from
// the "attr" events of `go test -json`.
//
// A figure's attribute key is KeyPrefix followed by its name; its value is
// the Figure as a JSON object:
//
//	=== ATTR  TestWriteAllocs perflab.figure.allocs/op {"name":"allocs/op","value":3,"op":"<=","budget":1,"unit":"allocs/op","pass":false}
package figure

import (
	"encoding/json"
	"fmt"
	"strings"
)

// KeyPrefix starts the key of every attribute that holds a Figure.
const KeyPrefix = "perflab.figure."

// Figure is what a gate measured, the budget it had to meet and how they
// compare.
type Figure struct {
	Name   string  `json:"name"`   // what was measured, such as "allocs/op"
	Value  float64 `json:"value"`  // the figure the code produced
	Op     string  `json:"op"`     // how Value must compare with Budget: "<=", ">=" or "=="
	Budget float64 `json:"budget"` // the budget
	Unit   string  `json:"unit"`   // the unit of Value and Budget, such as "bytes"
	Pass   bool    `json:"pass"`   // whether Value met the budget
}

// Meets reports whether Value compares with Budget as Op says.
func (f Figure) Meets() bool {
	switch f.Op {
	case ">=":
		return f.Value >= f.Budget
	case "==":
		return f.Value == f.Budget
	default:
		return f.Value <= f.Budget
	}
}

// Key is the attribute key the figure is recorded under.
func (f Figure) Key() string { return KeyPrefix + strings.ReplaceAll(f.Name, " ", "_") }

// String reads like the gate's own message: "allocs/op = 3, budget <= 1".
func (f Figure) String() string {
	return fmt.Sprintf("%s = %g %s, budget %s %g", f.Name, f.Value, f.Unit, f.Op, f.Budget)
}

// Encode is the attribute value for f.
func (f Figure) Encode() string {
	data, _ := json.Marshal(f)
	return string(data)
}

// Parse decodes an attribute value written by Encode.
func Parse(value string) (Figure, error) {
	var f Figure
	if err := json.Unmarshal([]byte(value), &f); err != nil {
		return Figure{}, fmt.Errorf("figure %q: %w", value, err)
	}
	return f, nil
}

// IsKey reports whether an attribute key holds a Figure.
func IsKey(key string) bool { return strings.HasPrefix(key, KeyPrefix) }
