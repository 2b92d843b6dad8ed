package allocdiet

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"

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
	names := []string{"http_requests_total", "cpu usage", "mem,used", "disk_io_bytes", "queue.depth", "température"}
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
	}
	f := NewFormatter()
	for _, c := range fixed {
		var buf bytes.Buffer
		if err := f.Write(&buf, c.r); err != nil {
			t.Fatalf("Write: %v", err)
		}
		if buf.String() != c.want {
			t.Errorf("Write(%+v) wrote\n  %q\nwant\n  %q\nlook at Formatter.Write in format.go", c.r, buf.String(), c.want)
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
		t.Errorf("%d records took %d calls to w.Write, want exactly one call per record; look at Formatter.Write in format.go", len(recs), w.calls)
	}
	gotLines, wantLines := strings.SplitAfter(got.String(), "\n"), strings.SplitAfter(want.String(), "\n")
	for i := range min(len(gotLines), len(wantLines)) {
		if gotLines[i] != wantLines[i] {
			t.Fatalf("line %d of %d differs from the reference:\n  got  %q\n  want %q\nrecord: %+v\nlook at Formatter.Write in format.go",
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

func TestWriteAllocations(t *testing.T) {
	f := NewFormatter()
	var w countingWriter
	got := testkit.AllocsAtMost(t, 1, "Formatter.Write in format.go: fmt.Sprint/Sprintf, += on strings, the any parameter of field, strings.Join and the []byte put in the pool each allocate",
		func() {
			if err := f.Write(&w, hotRecord); err != nil {
				t.Fatal(err)
			}
		})
	if !t.Failed() {
		t.Logf("allocs per Write of a 4-tag record: %.1f (budget ≤ 1)", got)
	}
	if w.n == 0 {
		t.Fatal("Write wrote nothing")
	}
}

// spyPool is a Pool that records what Write puts back. It hands out what
// was put last, like a sync.Pool does on one P, but never drops anything.
type spyPool struct {
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
	p.gets++
	if n := len(p.items); n > 0 {
		x := p.items[n-1]
		p.items = p.items[:n-1]
		return x
	}
	return nil
}

func (p *spyPool) Put(x any) {
	p.puts = append(p.puts, putRecord{typ: strings.ReplaceAll(fmt.Sprintf("%T", x), "uint8", "byte"), kind: reflect.TypeOf(x).Kind(), cap: capOf(x)})
	p.items = append(p.items, x)
}

// capOf returns the capacity of the buffer x holds or points to: a []byte,
// a bytes.Buffer, or anything else with a Cap method or a byte slice in it.
func capOf(x any) int {
	if c, ok := x.(interface{ Cap() int }); ok {
		return c.Cap()
	}
	switch v := x.(type) {
	case []byte:
		return cap(v)
	case *[]byte:
		return cap(*v)
	case bytes.Buffer:
		return v.Cap()
	}
	v := reflect.ValueOf(x)
	for v.Kind() == reflect.Pointer && !v.IsNil() {
		v = v.Elem()
	}
	if v.Kind() == reflect.Slice {
		return v.Cap()
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
		t.Fatalf("%d calls to Write took %d buffers from the pool and gave back %d; want one Get and one Put per call for ordinary records (look at Formatter.Write in format.go)",
			n, spy.gets, len(spy.puts))
	}
	for _, p := range spy.puts {
		if p.kind != reflect.Pointer {
			t.Fatalf("Write put a %s into the pool, budget: pointers only. Storing a %s in an interface copies it to the heap on every Put "+
				"(go build -gcflags=-m reports it escaping); pool a *[]byte or *bytes.Buffer and reuse the pointer (look at Formatter.Write in format.go)",
				p.typ, p.kind)
		}
	}
	t.Logf("%d Puts, all of type %s", len(spy.puts), spy.puts[0].typ)
}

func TestHugeBufferIsNotPooled(t *testing.T) {
	const limit = 64 << 10
	spy := &spyPool{}
	f := &Formatter{pool: spy}
	// A rare record that is far bigger than the rest: 80 tags of 1 KiB.
	huge := Record{Name: "trace", Value: 1, Time: 2}
	for i := range 80 {
		huge.Tags = append(huge.Tags, Tag{Key: fmt.Sprintf("frame%02d", i), Value: strings.Repeat("x", 1024)})
	}
	for _, r := range []Record{hotRecord, huge, hotRecord} {
		var buf bytes.Buffer
		if err := f.Write(&buf, r); err != nil {
			t.Fatal(err)
		}
		if buf.String() != reference(r) {
			t.Fatalf("Write(%.40s…) wrote %d bytes that differ from the reference; look at Formatter.Write in format.go", r.Name, buf.Len())
		}
	}
	if len(spy.puts) == 0 {
		t.Fatal("Write never put a buffer back into its pool; look at Formatter.Write in format.go")
	}
	for _, p := range spy.puts {
		if p.cap < 0 {
			t.Fatalf("cannot tell the size of the %s put into the pool; pool a *[]byte or *bytes.Buffer", p.typ)
		}
		if p.cap > limit {
			t.Fatalf("after the %s record, Write put a %s with room for %s back into the pool, budget ≤ %s: "+
				"the pool keeps it alive and hands it to records that need a few hundred bytes. "+
				"Look at Formatter.Write in format.go: drop a buffer that grew past 64 KiB instead of putting it back",
				testkit.Bytes(uint64(len(reference(huge)))), p.typ, testkit.Bytes(uint64(p.cap)), testkit.Bytes(limit))
		}
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
