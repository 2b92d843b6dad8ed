// Package benchfile is a fixture lab for perflab grade's tests whose
// edit file is a test file (bench_test.go).
package benchfile

// Items is how many items Fill fills.
const Items = 1000

// Fill returns a slice of Items numbers.
func Fill() []int {
	out := make([]int, Items)
	for i := range out {
		out[i] = i
	}
	return out
}
