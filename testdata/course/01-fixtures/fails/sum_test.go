package fails

import (
	"fmt"
	"testing"
)

func TestSumEmpty(t *testing.T) {
	if got := Sum(nil); got != 0 {
		t.Errorf("Sum(nil) = %d, want 0", got)
	}
}

func TestSum(t *testing.T) {
	got := Sum([]int{1, 2, 3})
	// The figure as testkit.Report records it.
	t.Attr("perflab.figure.sum", fmt.Sprintf(`{"name":"sum","value":%d,"op":"==","budget":6,"unit":"","pass":%t}`, got, got == 6))
	if got != 6 {
		t.Errorf("Sum = %d, want 6; look at the loop in sum.go", got)
	}
}
