package testsonly

import (
	"testing"
	"time"
)

func TestSpin(t *testing.T) {
	for start := time.Now(); time.Since(start) < 200*time.Millisecond; {
		if Spin(100_000) < 0 {
			t.Fatal("negative")
		}
	}
}
