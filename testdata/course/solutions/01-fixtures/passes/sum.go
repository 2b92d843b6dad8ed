// Package passes is a fixture lab whose tests pass as shipped.
package passes

// Sum adds xs.
func Sum(xs []int) int {
	t := 0
	for _, x := range xs {
		t += x
	}
	return t
}
