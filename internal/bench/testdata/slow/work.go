// Package work is the slow version of a benchmarked function: it does the
// sum twenty times and allocates on each call.
package work

var keep [][]int

// Sum adds the numbers below n.
func Sum(n int) int {
	t := 0
	for range 20 {
		t = 0
		for i := range n {
			t += i
		}
	}
	keep = append(keep[:0], make([]int, 64))
	return t
}
