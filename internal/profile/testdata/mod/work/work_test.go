package work

import (
	"testing"
	"time"
)

var sink int

func BenchmarkWork(b *testing.B) {
	var k Keeper
	for b.Loop() {
		sink = Spin(3_000_000)
		k.Keep()
		Contend()
	}
}

func BenchmarkPark(b *testing.B) {
	for b.Loop() {
		Park(100, 5*time.Millisecond)
	}
}
