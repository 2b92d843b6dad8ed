// Package hangs is a fixture lab whose test never ends as shipped.
package hangs

// Drain receives from ch until it is closed, then returns how many values
// it got.
func Drain(ch chan int) int {
	n := 0
	for range ch {
		n++
	}
	return n
}

// Produce sends n values on ch and closes it.
func Produce(ch chan int, n int) {
	defer close(ch)
	for i := range n {
		ch <- i
	}
}
