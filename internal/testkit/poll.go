package testkit

import (
	"testing"
	"time"
)

// Poll calls cond every 10ms until it reports true or within has passed.
// cond returns whether the condition holds and a short status, such as
// "goroutines = 57", that goes into the failure message when time runs
// out. Poll returns whether the condition came true.
func Poll(t testing.TB, within time.Duration, what string, cond func() (ok bool, status string)) bool {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok, status := cond()
		if ok {
			return true
		}
		if time.Now().After(deadline) {
			t.Errorf("waited %v for %s; last seen: %s", within, what, status)
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}
