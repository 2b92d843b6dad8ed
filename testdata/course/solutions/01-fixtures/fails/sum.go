// Package fails is a fixture lab that fails in a test as shipped.
package fails

// Sum adds xs.
func Sum(xs []int) int {
	t := 0
	for _, x := range xs {
		t += x
	}
	return t
}
