// Package cpuhotspot is the ingest endpoint of a log collector: services
// POST batches of log lines, the collector parses each line and keeps a
// few figures per batch. It is correct, and it is slow.
package cpuhotspot

import (
	"strings"
	"sync"
)

// Ingest parses a batch of newline-separated lines and returns its figures.
func Ingest(body string) Stats {
	st := newStats()
	for line := range strings.Lines(body) {
		st.add(strings.TrimRight(line, "\r\n"))
	}
	return st
}

// IngestParallel is Ingest for large batches: it cuts body into about
// workers chunks at line boundaries, ingests the chunks on that many
// goroutines, and merges their figures. The result is the same as
// Ingest's.
func IngestParallel(body string, workers int) Stats {
	chunks := splitLines(body, max(workers, 1))
	parts := make([]Stats, len(chunks))
	var wg sync.WaitGroup
	for i, chunk := range chunks {
		wg.Go(func() { parts[i] = Ingest(chunk) })
	}
	wg.Wait()
	st := newStats()
	for _, p := range parts {
		st.merge(p)
	}
	return st
}

// splitLines cuts body into at most n pieces of about the same length,
// each ending at the end of a line, in order.
func splitLines(body string, n int) []string {
	var chunks []string
	size := len(body)/n + 1
	for len(body) > 0 {
		if len(chunks) == n-1 || len(body) <= size {
			return append(chunks, body)
		}
		end := size
		if nl := strings.IndexByte(body[end:], '\n'); nl >= 0 {
			end += nl + 1
		} else {
			end = len(body)
		}
		chunks = append(chunks, body[:end])
		body = body[end:]
	}
	return chunks
}
