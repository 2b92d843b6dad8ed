// Package nocompile is a fixture lab that does not compile.
package nocompile

// Sum should add xs.
func Sum(xs []int) int {
	return "not a number"
}
