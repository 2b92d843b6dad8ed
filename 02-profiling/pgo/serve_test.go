package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goperflabs/labs/02-profiling/pgo/ingest"
)

// TestIngestWhileFlushing runs the service's two goroutines at once, as
// serve does: receivers ingest batches while the ticker flushes. Every
// line must be counted exactly once, and -race sees the shared aggregator.
func TestIngestWhileFlushing(t *testing.T) {
	a := ingest.NewAggregator()
	batch := ingest.SampleBatch(200, 9)
	const receivers, batches = 4, 25
	var wg sync.WaitGroup
	for range receivers {
		wg.Go(func() {
			for range batches {
				a.Ingest(batch)
			}
		})
	}
	done := make(chan struct{})
	flushed := make(chan int)
	go func() {
		total := 0
		for {
			var out bytes.Buffer
			select {
			case <-done:
				_, lines, _ := a.Flush()
				flushed <- total + lines
				return
			case <-time.After(time.Millisecond):
				printFlush(&out, a)
				if head, _, _ := strings.Cut(out.String(), " lines"); head != "" {
					total += linesIn(t, head)
				}
			}
		}
	}()
	wg.Wait()
	close(done)
	if got, want := <-flushed, receivers*batches*200; got != want {
		t.Fatalf("the flushes counted %d lines, want %d", got, want)
	}
}

// linesIn reads N from the "15:04:05: N" that printFlush starts with.
func linesIn(t *testing.T, head string) int {
	t.Helper()
	_, n, ok := strings.Cut(head, ": ")
	if !ok {
		t.Fatalf("flush line %q has no count", head)
	}
	v := 0
	for _, c := range n {
		if c < '0' || c > '9' {
			t.Fatalf("flush line %q: count %q", head, n)
		}
		v = v*10 + int(c-'0')
	}
	return v
}
