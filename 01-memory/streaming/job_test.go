package streaming

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/goperflabs/labs/internal/testkit"
)

// expected computes the report of Input(size, seed) from the orders the
// generator produces, without writing or parsing any text.
func expected(size int64, seed uint64) Report {
	byRegion := make([]RegionTotals, len(Regions))
	for i, name := range Regions {
		byRegion[i].Region = name
	}
	rep := Report{Total: RegionTotals{Region: "all"}}
	o := newOrders(size, seed)
	for {
		ord, ok := o.Next()
		if !ok {
			break
		}
		for _, t := range []*RegionTotals{&byRegion[ord.region], &rep.Total} {
			t.Orders++
			t.Units += int64(ord.qty)
			t.RevenueCents += int64(ord.qty) * int64(ord.unitCents)
		}
	}
	for _, t := range byRegion { // Regions is sorted, and so is this
		if t.Orders > 0 {
			rep.Regions = append(rep.Regions, t)
		}
	}
	return rep
}

func sameReport(t *testing.T, got, want Report) {
	t.Helper()
	if got.String() != want.String() {
		t.Errorf("the report is wrong\ngot:\n%s\nwant:\n%s", got, want)
	}
}

func TestReportIsRight(t *testing.T) {
	for _, size := range []int64{0, 40, 41, 200, 64 << 10} {
		got, err := Run(Input(size, 7))
		if err != nil {
			t.Fatalf("Run on a %d-byte log: %v", size, err)
		}
		sameReport(t, got, expected(size, 7))
	}
	for _, bad := range []string{
		"o-1,2026-01-01T00:00:00.000Z,eu-west,SKU-00001,3\n",
		"o-1,2026-01-01T00:00:00.000Z,eu-west,SKU-00001,three,1999\n",
		"o-1,2026-01-01T00:00:00.000Z,eu-west,SKU-00001,3,19.99\n",
	} {
		if _, err := Run(strings.NewReader(Header + bad)); err == nil {
			t.Errorf("Run accepted the malformed line %q; want an error", bad)
		}
	}
}

// TestInput checks the generator itself: a header, then well-formed lines,
// as many as fit in the size and no more.
func TestInput(t *testing.T) {
	const size = 1 << 20
	data, err := io.ReadAll(Input(size, 3))
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > size || len(data) < size-100 {
		t.Fatalf("Input(%d) gave %d bytes", size, len(data))
	}
	lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
	if string(lines[0])+"\n" != Header {
		t.Fatalf("first line %q, want the header", lines[0])
	}
	o := newOrders(size, 3)
	for i, l := range lines[1:] {
		ord, ok := o.Next()
		if !ok || string(l)+"\n" != string(appendLine(nil, ord)) || len(bytes.Split(l, []byte(","))) != 6 {
			t.Fatalf("line %d: %q", i+2, l)
		}
	}
	if _, ok := o.Next(); ok {
		t.Fatal("the generator stopped before the size was used up")
	}
}

// failingReader returns its data, then err instead of io.EOF, as a disk or
// a network connection that fails part way through does.
type failingReader struct {
	data string
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.data == "" {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

var errDisk = errors.New("read /var/log/sales.csv: input/output error")

const twoSales = "o-1,2026-01-01T00:00:00.000Z,eu-west,SKU-00001,2,100\n" +
	"o-2,2026-01-01T00:00:01.000Z,us-east,SKU-00002,3,50\n"

// TestReadErrorIsReported feeds Run a log whose reader fails part way
// through, after whole lines and in the middle of one. A report of the
// lines read so far, with no error, would be a wrong report.
func TestReadErrorIsReported(t *testing.T) {
	for _, data := range []string{Header + twoSales, Header + twoSales + "o-3,2026-01-01T00:0"} {
		rep, err := Run(&failingReader{data: data, err: errDisk})
		if err == nil {
			t.Errorf("the reader failed with %q after %d bytes, and Run returned a report of %d orders with no error; want the error (go test -v -run %s ./01-memory/streaming)",
				errDisk, len(data), rep.Total.Orders, t.Name())
		}
	}
}

// TestLongLine puts one line of 70 KiB, longer than a bufio.Scanner's
// default limit of 64 KiB, between ordinary lines. Run may handle it or
// return an error, but it must not stop there and report the lines before
// it as the whole log.
func TestLongLine(t *testing.T) {
	long := "o-" + strings.Repeat("7", 70<<10) + ",2026-01-01T00:00:02.000Z,eu-west,SKU-00003,5,1\n"
	log := Header + twoSales + long + "o-4,2026-01-01T00:00:03.000Z,us-east,SKU-00004,1,25\n"
	want := Report{
		Regions: []RegionTotals{
			{Region: "eu-west", Orders: 2, Units: 7, RevenueCents: 205},
			{Region: "us-east", Orders: 2, Units: 4, RevenueCents: 175},
		},
		Total: RegionTotals{Region: "all", Orders: 4, Units: 11, RevenueCents: 380},
	}
	got, err := Run(strings.NewReader(log))
	if err != nil {
		t.Logf("Run refused the log with a 70 KiB line: %v (an error is an acceptable answer)", err)
		return
	}
	if got.String() != want.String() {
		t.Errorf("a log of 4 orders, the third on a 70 KiB line: Run returned no error and a report of %d orders, want 4 "+
			"(or an error). Report:\n%s\nwant:\n%s", got.Total.Orders, got, want)
	}
}

func TestPeakHeap(t *testing.T) {
	const budget = 32 << 20
	size := int64(InputSize)
	if testkit.RaceEnabled {
		// The race detector makes every memory access several times
		// slower; an eighth of the log is still 4× the budget.
		size = InputSize / 8
	}
	in := &stopWhenOver{r: Input(size, 1), size: size, limit: 4 * budget}
	var got Report
	var err error
	peak := testkit.PeakHeapAtMost(t, budget, "the bytes allocated while Run reads (go test -run TestPeakHeap -memprofile /tmp/mem.pprof ./01-memory/streaming, then go tool pprof -sample_index=alloc_space -top /tmp/mem.pprof)", func() {
		got, err = Run(in)
	})
	if !t.Failed() {
		t.Logf("peak heap while reporting on a %s log: %s (budget %s)", testkit.Bytes(uint64(size)), testkit.Bytes(peak), testkit.Bytes(budget))
	}
	if errors.Is(err, errStopped) {
		t.Fatalf("%v", err)
	}
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	sameReport(t, got, expected(size, 1))
}

var errStopped = errors.New("the test stopped the input early")

// stopWhenOver passes reads through until the heap holds more than limit
// bytes, then fails them. A version that keeps the whole log in memory
// would take many seconds and most of a GiB to fail; this way it fails in
// a moment, having shown that it was on its way.
type stopWhenOver struct {
	r     io.Reader
	size  int64 // of the log, for the message
	limit uint64
	read  int64
	check int64 // read count at which to look at the heap next
}

func (s *stopWhenOver) Read(p []byte) (int, error) {
	if s.read >= s.check {
		s.check = s.read + 1<<20
		m := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		metrics.Read(m)
		if h := m[0].Value.Uint64(); h > s.limit {
			return 0, fmt.Errorf("%w after %s of the %s log: the heap already held %s, more than 4× the budget",
				errStopped, testkit.Bytes(uint64(s.read)), testkit.Bytes(uint64(s.size)), testkit.Bytes(h))
		}
	}
	n, err := s.r.Read(p)
	s.read += int64(n)
	return n, err
}

// BenchmarkRun reports on a 32 MiB log per operation (an eighth of the
// lab's input, to keep the broken version's runs short). Besides time and
// allocation it reports the peak heap, sampled every millisecond.
func BenchmarkRun(b *testing.B) {
	const size = 32 << 20
	b.SetBytes(size)
	var err error
	peak := testkit.PeakHeap(time.Millisecond, func() {
		for b.Loop() {
			if _, err = Run(Input(size, 1)); err != nil {
				break
			}
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(peak), "peak-heap-B")
}
