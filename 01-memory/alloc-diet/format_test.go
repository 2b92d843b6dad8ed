package allocdiet

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goperflabs/labs/internal/testkit"
)

// reference formats r the plain way, to compare Formatter.Write against.
// It is deliberately written differently from any fast version.
func reference(r Record) string {
	nameEsc := strings.NewReplacer(",", `\,`, " ", `\ `)
	tagEsc := strings.NewReplacer(",", `\,`, "=", `\=`, " ", `\ `)
	var sb strings.Builder
	sb.WriteString(nameEsc.Replace(r.Name))
	for _, t := range r.Tags {
		sb.WriteString("," + tagEsc.Replace(t.Key) + "=" + tagEsc.Replace(t.Value))
	}
	sb.WriteString(" value=" + strconv.FormatFloat(r.Value, 'g', -1, 64))
	sb.WriteString(" " + strconv.FormatInt(r.Time, 10) + "\n")
	return sb.String()
}

// sampleRecords returns n varied records, the same ones on every run.
func sampleRecords(n int) []Record {
	rng := rand.New(rand.NewPCG(42, 1))
	names := []string{"http_requests_total", "cpu usage", "mem,used", "disk_io_bytes", "queue.depth", "température", "level=warn"}
	keys := []string{"host", "region", "path", "method", "status", "a b", "k=v", "zone,az"}
	values := []string{"web-1", "eu-west-1", "/api/users", "GET", "200", "hello world", "x=y", "a,b", "", "Zürich", `back\slash`}
	specials := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1e21, 1e-7, 123456789, 1.5e300, math.Inf(1), math.Inf(-1), math.NaN(), math.MaxFloat64, math.SmallestNonzeroFloat64}
	out := make([]Record, n)
	for i := range out {
		r := Record{Name: names[rng.IntN(len(names))], Time: rng.Int64() - math.MaxInt64/2}
		for range rng.IntN(6) {
			r.Tags = append(r.Tags, Tag{Key: keys[rng.IntN(len(keys))], Value: values[rng.IntN(len(values))]})
		}
		switch rng.IntN(3) {
		case 0:
			r.Value = specials[rng.IntN(len(specials))]
		case 1:
			r.Value = float64(rng.IntN(1_000_000))
		default:
			r.Value = (rng.Float64() - 0.5) * math.Pow(10, float64(rng.IntN(40)-20))
		}
		out[i] = r
	}
	return out
}

// hotRecord is the kind of sample the exporter writes millions of times.
var hotRecord = Record{
	Name:  "http_requests_total",
	Tags:  []Tag{{"method", "GET"}, {"path", "/api/users"}, {"status", "200"}, {"host", "web 1"}},
	Value: 1027,
	Time:  1767225600000000000,
}

// countingWriter counts bytes and calls and keeps nothing, so it
// allocates nothing.
type countingWriter struct{ n, calls int }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	w.calls++
	return len(p), nil
}

func TestOutputMatchesReference(t *testing.T) {
	fixed := []struct {
		r    Record
		want string
	}{
		{hotRecord, "http_requests_total,method=GET,path=/api/users,status=200,host=web\\ 1 value=1027 1767225600000000000\n"},
		{Record{Name: "cpu usage,total", Value: 0.25, Time: -5}, "cpu\\ usage\\,total value=0.25 -5\n"},
		{Record{Name: "x", Tags: []Tag{{"a=b", "c,d e"}}, Value: 1e21}, "x,a\\=b=c\\,d\\ e value=1e+21 0\n"},
		{Record{Name: "y", Tags: []Tag{{"k", ""}}, Value: math.Inf(-1), Time: 1}, "y,k= value=-Inf 1\n"},
		// In a measurement name '=' is not special: only ',' and ' ' are.
		{Record{Name: "a=b c", Tags: []Tag{{"k", "v"}}, Value: 2, Time: 3}, "a=b\\ c,k=v value=2 3\n"},
	}
	f := NewFormatter()
	for _, c := range fixed {
		var buf bytes.Buffer
		if err := f.Write(&buf, c.r); err != nil {
			t.Fatalf("Write: %v", err)
		}
		if buf.String() != c.want {
			t.Errorf("Write(%+v) wrote\n  %q\nwant\n  %q", c.r, buf.String(), c.want)
		}
	}

	// 20,000 records through one Formatter, so pooled buffers are reused
	// between records of different lengths.
	recs := sampleRecords(20_000)
	var got bytes.Buffer
	var want strings.Builder
	w := &callCounter{w: &got}
	for _, r := range recs {
		if err := f.Write(w, r); err != nil {
			t.Fatalf("Write: %v", err)
		}
		want.WriteString(reference(r))
	}
	if w.calls != len(recs) {
		t.Errorf("%d records took %d calls to w.Write, want exactly one call per record", len(recs), w.calls)
	}
	gotLines, wantLines := strings.SplitAfter(got.String(), "\n"), strings.SplitAfter(want.String(), "\n")
	for i := range min(len(gotLines), len(wantLines)) {
		if gotLines[i] != wantLines[i] {
			t.Fatalf("line %d of %d differs from the reference:\n  got  %q\n  want %q\nrecord: %+v",
				i+1, len(recs), gotLines[i], wantLines[i], recs[i])
		}
	}
	if got.Len() != want.Len() || len(gotLines) != len(wantLines) {
		t.Fatalf("output has %d bytes in %d lines, the reference %d bytes in %d lines", got.Len(), len(gotLines)-1, want.Len(), len(wantLines)-1)
	}
}

type callCounter struct {
	w     *bytes.Buffer
	calls int
}

func (c *callCounter) Write(p []byte) (int, error) { c.calls++; return c.w.Write(p) }

// allocWhere is where an allocation failure sends the learner: the tools
// that show which lines allocate, not the lines themselves.
const allocWhere = "the lines with counts in the allocation profile (pprof -list .), and what go build -gcflags=-m ./01-memory/alloc-diet reports escaping"

func TestWriteAllocations(t *testing.T) {
	f := NewFormatter()
	var w countingWriter
	recs := sampleRecords(1000)
	for _, r := range recs { // let the pooled buffer grow to the longest line
		if err := f.Write(&w, r); err != nil {
			t.Fatal(err)
		}
	}
	// Every call formats a record it has never seen: varied names, tags and
	// values, and a time that no earlier call had, so a cache of formatted
	// lines saves nothing.
	i := 0
	got := testkit.AllocsAtMost(t, 1, allocWhere, func() {
		r := recs[i%len(recs)]
		r.Time += int64(i) + 1
		i++
		if err := f.Write(&w, r); err != nil {
			t.Fatal(err)
		}
	})
	if !t.Failed() {
		t.Logf("allocs per Write over %d varied records: %.1f (budget ≤ 1)", i, got)
	}
	if w.n == 0 {
		t.Fatal("Write wrote nothing")
	}
}

// spyPool is a Pool that records what Write puts back. It hands out what
// was put last, like a sync.Pool does on one P, but never drops anything.
// It is safe for concurrent use, and all goroutines share its one stack.
type spyPool struct {
	mu    sync.Mutex
	items []any
	gets  int
	puts  []putRecord
}

type putRecord struct {
	typ  string
	kind reflect.Kind
	cap  int // capacity of the buffer inside, -1 if unknown
}

func (p *spyPool) Get() any {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.gets++
	if n := len(p.items); n > 0 {
		x := p.items[n-1]
		p.items = p.items[:n-1]
		return x
	}
	return nil
}

func (p *spyPool) Put(x any) {
	rec := putRecord{typ: strings.ReplaceAll(fmt.Sprintf("%T", x), "uint8", "byte"), kind: reflect.TypeOf(x).Kind(), cap: capOf(x)}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.puts = append(p.puts, rec)
	p.items = append(p.items, x)
}

// capOf returns the capacity of the buffers x holds or points to: a
// []byte, a bytes.Buffer, or a struct (or a pointer to one) with such
// fields, exported or not, added up. It returns -1 if x holds no byte
// slice at all.
func capOf(x any) int {
	return capIn(reflect.ValueOf(x), 0)
}

func capIn(v reflect.Value, depth int) int {
	if !v.IsValid() || depth > 8 {
		return -1
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return -1
		}
		return capIn(v.Elem(), depth+1)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return v.Cap()
		}
	case reflect.Struct:
		total, found := 0, false
		for i := range v.NumField() {
			if c := capIn(v.Field(i), depth+1); c >= 0 {
				total, found = total+c, true
			}
		}
		if found {
			return total
		}
	}
	return -1
}

func TestPoolHoldsPointers(t *testing.T) {
	spy := &spyPool{}
	f := &Formatter{pool: spy}
	var w countingWriter
	const n = 100
	for range n {
		if err := f.Write(&w, hotRecord); err != nil {
			t.Fatal(err)
		}
	}
	if spy.gets < n || len(spy.puts) < n {
		t.Fatalf("%d calls to Write took %d buffers from the pool and gave back %d; want one Get and one Put per call for ordinary records",
			n, spy.gets, len(spy.puts))
	}
	for _, p := range spy.puts {
		if p.kind != reflect.Pointer {
			t.Fatalf("Write put a %s into the pool, budget: pointers only. Storing a %s in an interface copies it to the heap on every Put; "+
				"go build -gcflags=-m ./01-memory/alloc-diet reports what escapes",
				p.typ, p.kind)
		}
	}
	t.Logf("%d Puts, all of type %s", len(spy.puts), spy.puts[0].typ)
}

// bigRecord returns a record with tags of 1 KiB values, whose line is
// about tags KiB long.
func bigRecord(name string, tags int) Record {
	r := Record{Name: name, Value: 1, Time: 2}
	for i := range tags {
		r.Tags = append(r.Tags, Tag{Key: fmt.Sprintf("frame%02d", i), Value: strings.Repeat("x", 1024)})
	}
	return r
}

func TestHugeBufferIsNotPooled(t *testing.T) {
	const limit = 64 << 10
	// A rare record far bigger than the rest (80 KiB), and one whose line
	// fits under the limit (about 61 KiB) but whose buffer, grown by
	// append, does not: the limit is on what the pool keeps, the capacity.
	for _, big := range []Record{bigRecord("trace", 80), bigRecord("span", 60)} {
		spy := &spyPool{}
		f := &Formatter{pool: spy}
		for _, r := range []Record{hotRecord, big, hotRecord} {
			var buf bytes.Buffer
			if err := f.Write(&buf, r); err != nil {
				t.Fatal(err)
			}
			if buf.String() != reference(r) {
				t.Fatalf("Write(%.40s…) wrote %d bytes that differ from the reference (%d bytes)", r.Name, buf.Len(), len(reference(r)))
			}
		}
		if len(spy.puts) == 0 {
			t.Fatal("Write never put a buffer back into its pool")
		}
		for _, p := range spy.puts {
			if p.cap < 0 {
				t.Fatalf("cannot tell the size of the %s put into the pool: it holds no []byte or bytes.Buffer", p.typ)
			}
			if p.cap > limit {
				t.Fatalf("after a %s record, Write put a %s with room for %s back into the pool, budget ≤ %s of capacity: "+
					"the pool keeps it alive and hands it to records that need a few hundred bytes",
					testkit.Bytes(uint64(len(reference(big)))), p.typ, testkit.Bytes(uint64(p.cap)), testkit.Bytes(limit))
			}
		}
	}
}

// gateWriter lets the test hold one Write call open while another
// goroutine writes a whole record through the same Formatter.
type gateWriter struct {
	entered chan struct{} // closed when the held call has started
	release chan struct{} // closed when the held call may go on
	got     []byte        // what the held call was given, read after release
}

func (g *gateWriter) Write(p []byte) (int, error) {
	close(g.entered)
	select {
	case <-g.release:
	case <-time.After(5 * time.Second):
		return 0, errors.New("gateWriter: nobody released the held Write")
	}
	g.got = append([]byte(nil), p...)
	return len(p), nil
}

// TestConcurrentWrites holds one goroutine's Write open inside w.Write
// while a second goroutine formats another record through the same
// Formatter and pool. A buffer given back to the pool before w.Write has
// finished with it is handed to the second record and overwritten, on
// every run. (The race detector stays quiet here: the test's channels
// order the two goroutines, so the test compares the bytes itself.)
func TestConcurrentWrites(t *testing.T) {
	f := &Formatter{pool: &spyPool{}}
	first := Record{Name: "first", Tags: []Tag{{"host", "a"}}, Value: 1, Time: 1}
	second := Record{Name: "second-record", Tags: []Tag{{"host", "b"}, {"zone", "z"}}, Value: 2, Time: 2}
	g := &gateWriter{entered: make(chan struct{}), release: make(chan struct{})}
	done := make(chan error, 1)
	go func() { done <- f.Write(g, first) }()
	select {
	case <-g.entered:
	case err := <-done:
		t.Fatalf("Write returned (%v) before its w.Write call", err)
	case <-time.After(5 * time.Second):
		t.Fatal("Write did not call w.Write within 5s")
	}
	var other bytes.Buffer
	if err := f.Write(&other, second); err != nil {
		t.Fatal(err)
	}
	close(g.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if string(g.got) != reference(first) || other.String() != reference(second) {
		t.Errorf("two Writes through one Formatter at once: w.Write was given\n  %q and %q\nwant\n  %q and %q\n"+
			"the first line was overwritten by the second while w.Write still held it (go test -v -run %s ./01-memory/alloc-diet)",
			g.got, other.String(), reference(first), reference(second), t.Name())
	}
}

// BenchmarkWrite formats one record per operation, cycling through 1,000
// varied records, into a writer that keeps nothing.
func BenchmarkWrite(b *testing.B) {
	recs := sampleRecords(1000)
	f := NewFormatter()
	var w countingWriter
	i := 0
	for b.Loop() {
		if err := f.Write(&w, recs[i%len(recs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.SetBytes(int64(w.n / max(i, 1)))
}
