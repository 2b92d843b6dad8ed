package testkit

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const liveHeapMetric = "/gc/heap/live:bytes"

// liveHeap runs a full collection and returns the bytes of heap objects it
// found reachable.
func liveHeap() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: liveHeapMetric}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// Retained returns how many heap bytes stay reachable through the value
// that build returns. It collects garbage and reads the live heap, calls
// build, collects again while the result is still referenced, reads the
// live heap again and returns the growth (0 if the heap shrank).
//
// Anything build keeps reachable elsewhere, in a package variable or a
// cache, counts too: that is usually what a lab wants to catch.
func Retained(build func() any) uint64 {
	before := liveHeap()
	kept := build()
	after := liveHeap()
	runtime.KeepAlive(kept)
	if after < before {
		return 0
	}
	return after - before
}

// RetainedAtMost fails t if Retained(build) is above budget bytes, and
// returns the figure.
func RetainedAtMost(t testing.TB, budget uint64, where string, build func() any) uint64 {
	t.Helper()
	got := Retained(build)
	Report(t, Figure{Name: "heap retained", Value: float64(got), Op: "<=", Budget: float64(budget), Unit: "bytes"})
	if got > budget {
		t.Errorf("heap retained after GC = %s, budget ≤ %s; look at %s (a heap profile taken while the memory is still reachable shows who allocated it: go tool pprof -sample_index=inuse_space; the lab's README shows how to take one)",
			Bytes(got), Bytes(budget), where)
	}
	return got
}

// PeakHeap calls f while it samples the bytes held in heap objects, live or
// not yet collected, every interval, and returns the largest sample. The
// figure depends on when the collector runs, so gate it only where the
// expected gap is large (a streaming job against one that reads everything
// into memory).
func PeakHeap(interval time.Duration, f func()) uint64 {
	const metric = "/memory/classes/heap/objects:bytes"
	runtime.GC()
	var peak atomic.Uint64
	sample := func() {
		s := []metrics.Sample{{Name: metric}}
		metrics.Read(s)
		if v := s[0].Value.Uint64(); v > peak.Load() {
			peak.Store(v)
		}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				sample()
			}
		}
	})
	f()
	sample()
	close(done)
	wg.Wait()
	return peak.Load()
}

// PeakHeapAtMost fails t if PeakHeap, sampled every millisecond while f
// runs, goes above budget bytes, and returns the figure.
func PeakHeapAtMost(t testing.TB, budget uint64, where string, f func()) uint64 {
	t.Helper()
	got := PeakHeap(time.Millisecond, f)
	Report(t, Figure{Name: "peak heap", Value: float64(got), Op: "<=", Budget: float64(budget), Unit: "bytes"})
	if got > budget {
		t.Errorf("peak heap while running = %s, budget ≤ %s; look at %s (GODEBUG=gctrace=1 go test -run %s shows the heap at each collection)",
			Bytes(got), Bytes(budget), where, t.Name())
	}
	return got
}

// Bytes formats n with a binary unit: "512 B", "3.2 KiB", "64.0 MiB".
func Bytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
