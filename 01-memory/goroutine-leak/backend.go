package search

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// Hit is one document that matched a query.
type Hit struct {
	Doc   int    // index of the document in the corpus
	Text  string // the document
	Score int    // how many times the query word occurs in it
}

// Backend answers a query. Every backend here is a replica of the same
// index, so any one answer is as good as another; they differ only in how
// long they take and whether they fail.
type Backend interface {
	Name() string
	Search(ctx context.Context, query string) ([]Hit, error)
}

// Replica is an in-process, fake search backend over Corpus. It waits
// Latency (plus a random extra of up to Jitter) before it answers, fails
// with Err if Err is set, and never answers at all if Hang is set. Like a
// well-behaved client of a real service, it stops waiting and returns
// ctx.Err() as soon as ctx is done.
type Replica struct {
	ID      string
	Latency time.Duration
	Jitter  time.Duration
	Err     error
	Hang    bool
}

// Name returns the replica's ID.
func (r *Replica) Name() string { return r.ID }

// Search waits as configured, then returns the documents of Corpus that
// contain query, best first.
func (r *Replica) Search(ctx context.Context, query string) ([]Hit, error) {
	if r.Hang {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	wait := r.Latency
	if r.Jitter > 0 {
		wait += rand.N(r.Jitter)
	}
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	} else if err := ctx.Err(); err != nil {
		return nil, err
	}
	if r.Err != nil {
		return nil, r.Err
	}
	return Lookup(query), nil
}

// Lookup scans Corpus for query (case-insensitive, whole words) and returns
// the hits, highest score first, then by document order.
func Lookup(query string) []Hit {
	q := strings.ToLower(strings.TrimSpace(query))
	var hits []Hit
	if q == "" {
		return hits
	}
	for i, doc := range Corpus {
		n := 0
		for _, w := range strings.FieldsFunc(strings.ToLower(doc), notLetter) {
			if w == q {
				n++
			}
		}
		if n > 0 {
			hits = append(hits, Hit{Doc: i, Text: doc, Score: n})
		}
	}
	slices.SortStableFunc(hits, func(a, b Hit) int { return b.Score - a.Score })
	return hits
}

func notLetter(r rune) bool { return !('a' <= r && r <= 'z' || '0' <= r && r <= '9') }

// Corpus is the index every replica serves.
var Corpus = []string{
	"Don't communicate by sharing memory, share memory by communicating.",
	"Concurrency is not parallelism.",
	"Channels orchestrate; mutexes serialize.",
	"The bigger the interface, the weaker the abstraction.",
	"Make the zero value useful.",
	"interface{} says nothing.",
	"Gofmt's style is no one's favorite, yet gofmt is everyone's favorite.",
	"A little copying is better than a little dependency.",
	"Clear is better than clever.",
	"Errors are values.",
	"Don't just check errors, handle them gracefully.",
	"Never start a goroutine without knowing how it will stop.",
	"A goroutine blocked on a channel send with no receiver is blocked forever.",
	"The garbage collector frees memory, not goroutines: a blocked goroutine keeps its stack and everything it references.",
	"Design the architecture, name the components, document the details.",
	"Documentation is for users.",
}
