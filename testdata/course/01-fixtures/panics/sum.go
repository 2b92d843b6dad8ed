// Package panics is a fixture lab whose test panics as shipped.
package panics

// Count counts each word.
func Count(words []string) map[string]int {
	var m map[string]int
	for _, w := range words {
		m[w]++
	}
	return m
}
