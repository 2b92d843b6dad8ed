// Package nocompile is a fixture lab that does not compile.
package nocompile

// Sum adds xs.
func Sum(xs []int) int {
	t := 0
	for _, x := range xs {
		t += x
	}
	return t
}
