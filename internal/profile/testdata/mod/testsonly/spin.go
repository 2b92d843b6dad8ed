// Package testsonly has tests and no benchmark.
package testsonly

// Spin burns CPU.
func Spin(n int) int {
	x := 0
	for i := range n {
		x += i * i % 7
	}
	return x
}
