package search

import (
	"context"
	"errors"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/goperflabs/labs/internal/testkit"
)

// where tells a failing test's reader which tool shows where to look.
const where = "where each goroutine listed below is parked, and who was meant to unblock it " +
	"(the same list from a running server: go run ./01-memory/goroutine-leak/cmd/searchd, then go tool pprof -top http://127.0.0.1:8080/debug/pprof/goroutine)"

var errDown = errors.New("replica down")

// Fake replicas. None of them sleeps on a clock that could make the test
// flaky: each one answers at once, fails at once, or waits for its ctx.
func fast(id string) *Replica   { return &Replica{ID: id} }
func hang(id string) *Replica   { return &Replica{ID: id, Hang: true} }
func broken(id string) *Replica { return &Replica{ID: id, Err: errDown} }

// cancelOnCall cancels the caller's context as soon as Search reaches it,
// then waits like a slow replica: the caller gives up mid-search.
type cancelOnCall struct{ cancel context.CancelFunc }

func (c cancelOnCall) Name() string { return "impatient-caller" }
func (c cancelOnCall) Search(ctx context.Context, _ string) ([]Hit, error) {
	c.cancel()
	<-ctx.Done()
	return nil, ctx.Err()
}

// want holds the expected answer for each query, worked out by hand from
// Corpus: document index and score, best first.
var want = map[string][][2]int{
	"memory":    {{0, 2}, {13, 1}},
	"goroutine": {{11, 1}, {12, 1}, {13, 1}},
	"little":    {{7, 2}},
	"errors":    {{9, 1}, {10, 1}},
	"rust":      nil,
}

var queries = slices.Sorted(func(yield func(string) bool) {
	for q := range want {
		if !yield(q) {
			return
		}
	}
})

func checkHits(t *testing.T, query string, res Result) {
	t.Helper()
	var got [][2]int
	for _, h := range res.Hits {
		got = append(got, [2]int{h.Doc, h.Score})
		if h.Text != Corpus[h.Doc] {
			t.Fatalf("Search(%q): hit %d has text %q, want %q", query, h.Doc, h.Text, Corpus[h.Doc])
		}
	}
	if !slices.Equal(got, want[query]) {
		t.Fatalf("Search(%q) hits (doc, score) = %v, want %v", query, got, want[query])
	}
}

// scenario runs one Search and checks its answer.
type scenario struct {
	name string
	run  func(t *testing.T, query string)
}

var scenarios = []scenario{
	{"first answer wins, two slow replicas", func(t *testing.T, q string) {
		s := &Searcher{Backends: []Backend{hang("slow-1"), fast("fast"), hang("slow-2")}}
		res, err := s.Search(context.Background(), q)
		if err != nil {
			t.Fatalf("Search(%q) with one fast replica: %v", q, err)
		}
		if res.Backend != "fast" {
			t.Fatalf("Search(%q) answered by %q, want the only replica that answers, \"fast\"", q, res.Backend)
		}
		checkHits(t, q, res)
	}},
	{"a failing replica is skipped", func(t *testing.T, q string) {
		s := &Searcher{Backends: []Backend{broken("down"), fast("up"), hang("slow")}}
		res, err := s.Search(context.Background(), q)
		if err != nil {
			t.Fatalf("Search(%q) with one good replica: %v", q, err)
		}
		if res.Backend != "up" {
			t.Fatalf("Search(%q) answered by %q, want \"up\"", q, res.Backend)
		}
		checkHits(t, q, res)
	}},
	{"every replica fails", func(t *testing.T, q string) {
		s := &Searcher{Backends: []Backend{broken("down-1"), broken("down-2")}}
		_, err := s.Search(context.Background(), q)
		if !errors.Is(err, errDown) {
			t.Fatalf("Search(%q) with every replica down: err = %v, want one wrapping %v", q, err, errDown)
		}
	}},
	{"timeout", func(t *testing.T, q string) {
		s := &Searcher{Backends: []Backend{hang("slow-1"), hang("slow-2"), hang("slow-3")}, Timeout: time.Millisecond}
		_, err := s.Search(context.Background(), q)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Search(%q) with no replica answering: err = %v, want one wrapping context.DeadlineExceeded", q, err)
		}
	}},
	{"caller cancels mid-search", func(t *testing.T, q string) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		s := &Searcher{Backends: []Backend{hang("slow-1"), cancelOnCall{cancel}, hang("slow-2")}, Timeout: time.Hour}
		_, err := s.Search(ctx, q)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Search(%q) cancelled by its caller: err = %v, want one wrapping context.Canceled", q, err)
		}
	}},
}

// TestSearchAnswers checks what Search returns, one call per scenario and
// query.
func TestSearchAnswers(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			for _, q := range queries {
				sc.run(t, q)
			}
		})
	}
	if _, err := (&Searcher{}).Search(context.Background(), "memory"); !errors.Is(err, ErrNoBackends) {
		t.Fatalf("Search with no backends: err = %v, want ErrNoBackends", err)
	}
}

// TestSearchLeavesNoGoroutines runs 1,000 searches, with winners, losers,
// failures, timeouts and cancellations, checks every answer, and then
// requires that no goroutine Search started is still around.
func TestSearchLeavesNoGoroutines(t *testing.T) {
	testkit.NoLeaks(t, where)
	const calls = 1000
	for i := range calls {
		sc := scenarios[i%len(scenarios)]
		sc.run(t, queries[i%len(queries)])
	}
}

// TestGoroutinesEndWithSearch checks that the goroutines a Search starts
// end when it has returned, not some time later. Each scenario runs once
// as usual, and must leave nothing behind within a second; then again
// inside a synctest bubble, where time is fake: once Search has returned,
// synctest.Wait lets every goroutine in the bubble run until it exits or
// blocks. A goroutine the search package started that is still there is
// waiting for something, such as a timer, after its Search returned: a
// send that gives up after a timeout outlives every Search by that much.
func TestGoroutinesEndWithSearch(t *testing.T) {
	for i, sc := range scenarios {
		q := queries[i%len(queries)]
		// Outside a bubble first: a goroutine that never ends would
		// deadlock the bubble, and synctest would panic.
		before := goroutinesOf(searchPackage)
		sc.run(t, q)
		if left := goneWithin(before, time.Second); len(left) > 0 {
			t.Errorf("scenario %q: %d goroutine(s) started by the search package still running 1s after Search returned, budget 0:\n%s",
				sc.name, len(left), strings.Join(left, "\n"))
			return // the other scenarios would only wait a second each to say so again
		}
		synctest.Test(t, func(t *testing.T) {
			before := goroutinesOf(searchPackage)
			sc.run(t, q)
			synctest.Wait()
			if left := newSince(before); len(left) > 0 {
				t.Errorf("scenario %q: %d goroutine(s) started by the search package were still waiting after Search returned "+
					"and every other goroutine had settled, budget 0:\n%s\n(go test -v -run %s ./01-memory/goroutine-leak prints this list)",
					sc.name, len(left), strings.Join(left, "\n"), t.Name())
			}
		})
	}
}

// searchPackage is how the runtime names functions of the package under
// test in a stack dump.
var searchPackage = reflect.TypeFor[Searcher]().PkgPath() + "."

// goroutinesOf returns, by goroutine header ("goroutine 7 [chan send]"),
// a line for each goroutine now alive that a function whose name starts
// with pkg created.
func goroutinesOf(pkg string) map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := map[string]string{}
	for _, g := range strings.Split(string(buf), "\n\n") {
		header, _, _ := strings.Cut(g, "\n")
		id, _, _ := strings.Cut(header, " [")
		for _, line := range strings.Split(g, "\n") {
			if creator, ok := strings.CutPrefix(line, "created by "); ok && strings.HasPrefix(creator, pkg) {
				out[id] = "  " + strings.TrimSuffix(header, ":") + ", created by " + strings.TrimPrefix(creator, pkg)
			}
		}
	}
	return out
}

// newSince returns the goroutines of searchPackage alive now that were not
// in before, sorted.
func newSince(before map[string]string) []string {
	var left []string
	for id, line := range goroutinesOf(searchPackage) {
		if _, old := before[id]; !old {
			left = append(left, line)
		}
	}
	slices.Sort(left)
	return left
}

// goneWithin waits up to within for the goroutines started since before to
// end, and returns those that have not.
func goneWithin(before map[string]string, within time.Duration) []string {
	deadline := time.Now().Add(within)
	for {
		left := newSince(before)
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// BenchmarkSearch measures one search over three replicas: the fast one
// answers after a millisecond, the other two only when they are cancelled.
// goroutines-left/op counts the goroutines still running afterwards.
func BenchmarkSearch(b *testing.B) {
	s := &Searcher{Backends: []Backend{
		&Replica{ID: "fast", Latency: time.Millisecond},
		hang("slow-1"), hang("slow-2"),
	}}
	ctx := context.Background()
	before := testkit.Goroutines()
	for b.Loop() {
		if _, err := s.Search(ctx, "memory"); err != nil {
			b.Fatal(err)
		}
	}
	// Give goroutines that are on their way out a moment to finish.
	left := testkit.Goroutines() - before
	for deadline := time.Now().Add(time.Second); left > 0 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
		left = testkit.Goroutines() - before
	}
	b.ReportMetric(float64(left)/float64(b.N), "goroutines-left/op")
}
