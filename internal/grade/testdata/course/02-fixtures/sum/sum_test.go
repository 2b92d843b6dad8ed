package sum

import "testing"

func TestSum(t *testing.T) {
	for _, c := range []struct {
		xs   []int
		want int
	}{{[]int{1, 2, 3}, 6}, {[]int{5}, 5}, {[]int{-1, 1, 7}, 7}} {
		if got := Sum(c.xs); got != c.want {
			t.Errorf("Sum(%v) = %d, want %d", c.xs, got, c.want)
		}
	}
}

func TestSumEmpty(t *testing.T) {
	if got := Sum(nil); got != 0 {
		t.Errorf("Sum(nil) = %d, want 0", got)
	}
}
