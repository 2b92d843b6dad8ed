// Package fails is a fixture lab that fails in a test as shipped.
package fails

// Sum adds xs, but misses the last one.
func Sum(xs []int) int {
	t := 0
	for i := 0; i < len(xs)-1; i++ {
		t += xs[i]
	}
	return t
}
