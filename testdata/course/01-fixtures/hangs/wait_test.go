package hangs

import "testing"

func TestQuick(t *testing.T) {}

func TestDrain(t *testing.T) {
	ch := make(chan int)
	go Produce(ch, 3)
	if got := Drain(ch); got != 3 {
		t.Errorf("Drain = %d, want 3", got)
	}
}
