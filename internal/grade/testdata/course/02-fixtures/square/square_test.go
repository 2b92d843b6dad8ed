package square

import "testing"

func TestSquare(t *testing.T) {
	for x, want := range map[int]int{0: 0, 3: 9, -4: 16} {
		if got := Square(x); got != want {
			t.Errorf("Square(%d) = %d, want %d", x, got, want)
		}
	}
}
