package panics

import "testing"

func TestCount(t *testing.T) {
	if got := Count([]string{"a", "a"}); got["a"] != 2 {
		t.Errorf("Count = %v, want a:2", got)
	}
}
