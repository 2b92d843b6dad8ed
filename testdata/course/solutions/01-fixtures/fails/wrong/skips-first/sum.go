// Package fails is a fixture lab that fails in a test as shipped.
package fails

// Sum adds xs, but skips the first one.
func Sum(xs []int) int {
	t := 0
	for i := 1; i < len(xs); i++ {
		t += xs[i]
	}
	return t
}
