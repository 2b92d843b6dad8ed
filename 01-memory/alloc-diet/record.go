// Package allocdiet formats metric samples as text lines, the hot path of
// a metrics exporter: every sample of every scrape goes through
// Formatter.Write.
//
// A line looks like this (a simplified form of the InfluxDB line
// protocol):
//
//	http_requests_total,method=GET,path=/api/users value=1027 1767225600000000000
//
// The measurement name comes first, then each tag as ,key=value, then a
// space, the field value=<float>, a space and the time in Unix
// nanoseconds. A comma or a space in the name, and a comma, an equals sign
// or a space in a tag key or value, is escaped with a backslash.
package allocdiet

import "sync"

// Tag is one key=value label of a sample.
type Tag struct {
	Key, Value string
}

// Record is one metric sample.
type Record struct {
	Name  string
	Tags  []Tag
	Value float64
	Time  int64 // Unix nanoseconds
}

// Pool is where a Formatter keeps scratch buffers between calls: Get
// returns something that was Put earlier, or nil. *sync.Pool satisfies
// it; the tests pass one that records what Write puts back.
type Pool interface {
	Get() any
	Put(x any)
}

// Formatter writes Records as lines. It is safe for use by many
// goroutines at once.
type Formatter struct {
	pool Pool
}

// NewFormatter returns a Formatter that keeps its scratch buffers in a
// sync.Pool of its own.
func NewFormatter() *Formatter {
	return &Formatter{pool: new(sync.Pool)}
}
