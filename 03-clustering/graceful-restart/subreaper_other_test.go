//go:build !linux

package restart

// becomeSubreaper does nothing outside Linux: the tests skip there.
func becomeSubreaper() {}
