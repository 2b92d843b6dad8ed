// Package square squares numbers.
package square

// Square returns x².
func Square(x int) int { return x * x }
