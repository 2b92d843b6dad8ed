package grows

import (
	"runtime"
	"testing"
	"time"
)

// server outlives the test's loop, so what it keeps stays live.
var server *Server

// TestServe handles 400 requests of 64 KiB, a millisecond apart, and
// requires that the server keeps less than 4 MiB and no goroutine.
func TestServe(t *testing.T) {
	before := runtime.NumGoroutine()
	server = NewServer()
	for range 400 {
		server.Handle(make([]byte, 64<<10))
		time.Sleep(time.Millisecond)
	}
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	if m.HeapAlloc > 4<<20 {
		t.Errorf("heap after %d requests: %d bytes, budget 4 MiB", server.Count(), m.HeapAlloc)
	}
	if n := runtime.NumGoroutine() - before; n > 0 {
		t.Errorf("%d goroutines left, budget 0", n)
	}
}
