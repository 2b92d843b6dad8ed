package lockcontention

import (
	"errors"
	"time"
)

// ErrTransient marks an upstream failure worth retrying, such as a
// timeout or a 503. A Fetcher wraps it: fmt.Errorf("…: %w", ErrTransient).
var ErrTransient = errors.New("transient upstream failure")

// A RetryPolicy says how often a transient failure is retried, and how
// long to wait before each new attempt.
type RetryPolicy struct {
	Attempts int           // tries in all, at least 1
	Backoff  time.Duration // wait before the second try; doubles after
}

// DefaultRetry tries three times, 5 ms and then 10 ms apart.
var DefaultRetry = RetryPolicy{Attempts: 3, Backoff: 5 * time.Millisecond}

// do calls fetch for sku until it succeeds, fails with an error that is
// not transient, or has been tried p.Attempts times. It returns the price,
// how many tries it took and the last error.
func (p RetryPolicy) do(fetch Fetcher, sku string) (cents, attempts int, err error) {
	wait := p.Backoff
	for attempts = 1; ; attempts++ {
		cents, err = fetch(sku)
		if err == nil || !errors.Is(err, ErrTransient) || attempts >= p.Attempts {
			return cents, attempts, err
		}
		time.Sleep(wait)
		wait *= 2
	}
}
