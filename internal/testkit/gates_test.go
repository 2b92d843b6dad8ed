package testkit

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// recorder is a testing.TB that keeps what a gate reports instead of
// failing the real test, so the tests below can check that each gate
// fails when it should and says the figure, the budget and where to look.
type recorder struct {
	testing.TB
	errors []string
	logs   []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recorder) Logf(format string, args ...any) {
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}
func (r *recorder) failed() string { return strings.Join(r.errors, "\n") }

var sink []byte

func TestAllocsAtMost(t *testing.T) {
	if RaceEnabled {
		r := &recorder{TB: t}
		AllocsAtMost(r, 0, "here", func() { sink = make([]byte, 64) })
		if len(r.errors) != 0 || len(r.logs) != 1 {
			t.Errorf("under -race AllocsAtMost should only log; errors %q, logs %q", r.errors, r.logs)
		}
		return
	}
	r := &recorder{TB: t}
	got := AllocsAtMost(r, 0, "makeBuffer in gates_test.go", func() { sink = make([]byte, 64) })
	if got != 1 {
		t.Errorf("allocs/op = %v, want 1", got)
	}
	for _, want := range []string{"allocs/op = 1.0", "budget ≤ 0", "look at makeBuffer in gates_test.go"} {
		if !strings.Contains(r.failed(), want) {
			t.Errorf("failure %q lacks %q", r.failed(), want)
		}
	}
	r = &recorder{TB: t}
	AllocsAtMost(r, 1, "x", func() { sink = make([]byte, 64) })
	if len(r.errors) != 0 {
		t.Errorf("within budget, yet failed: %s", r.failed())
	}
}

func TestRetainedCountsWhatIsKept(t *testing.T) {
	const size = 8 << 20
	kept := Retained(func() any { return make([]byte, size) })
	if kept < size*7/8 || kept > size+size/4 {
		t.Errorf("Retained of an 8 MiB slice = %s", Bytes(kept))
	}
	dropped := Retained(func() any { _ = make([]byte, size); return nil })
	if dropped > size/8 {
		t.Errorf("Retained of garbage = %s, want near 0", Bytes(dropped))
	}
	r := &recorder{TB: t}
	RetainedAtMost(r, 1<<20, "the slice", func() any { return make([]byte, size) })
	for _, want := range []string{"heap retained after GC = 8.", "budget ≤ 1.0 MiB", "look at the slice"} {
		if !strings.Contains(r.failed(), want) {
			t.Errorf("failure %q lacks %q", r.failed(), want)
		}
	}
}

func TestPeakHeapSeesATransientBuffer(t *testing.T) {
	peak := PeakHeap(time.Millisecond, func() {
		b := make([]byte, 32<<20)
		for i := range b {
			b[i] = 1
		}
		time.Sleep(20 * time.Millisecond)
		sink = b[:1]
	})
	if peak < 32<<20 {
		t.Errorf("peak = %s, want at least the 32 MiB buffer", Bytes(peak))
	}
	sink = nil
}

func TestSpeedRatio(t *testing.T) {
	slow := func() { time.Sleep(2 * time.Millisecond) }
	fast := func() {}
	ratio := SpeedRatio(3, slow, fast)
	if ratio < 100 {
		t.Errorf("sleeping 2ms against nothing: ratio %.1f, want ≥ 100", ratio)
	}
	r := &recorder{TB: t}
	FasterThan(r, 4, "the loop", fast, slow)
	if RaceEnabled {
		if len(r.errors) != 0 {
			t.Errorf("under -race FasterThan should only log: %s", r.failed())
		}
		return
	}
	for _, want := range []string{"speed ratio against the baseline = 0.", "gate ≥ 4.0×", "look at the loop"} {
		if !strings.Contains(r.failed(), want) {
			t.Errorf("failure %q lacks %q", r.failed(), want)
		}
	}
}

func TestPoll(t *testing.T) {
	n := 0
	if !Poll(t, time.Second, "n to reach 3", func() (bool, string) { n++; return n >= 3, fmt.Sprint("n = ", n) }) {
		t.Error("Poll gave up on a condition that came true")
	}
	r := &recorder{TB: t}
	if Poll(r, 30*time.Millisecond, "the impossible", func() (bool, string) { return false, "still false" }) {
		t.Error("Poll reported a false condition as true")
	}
	if !strings.Contains(r.failed(), "waited 30ms for the impossible; last seen: still false") {
		t.Errorf("failure = %q", r.failed())
	}
}

func TestBytes(t *testing.T) {
	for n, want := range map[uint64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 64 << 20: "64.0 MiB", 3 << 30: "3.0 GiB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestReportRoundTrips(t *testing.T) {
	f := Report(t, Figure{Name: "allocs/op", Value: 3, Op: "<=", Budget: 1, Unit: "allocs/op"})
	if f.Pass {
		t.Fatalf("3 <= 1 reported as passing")
	}
	data, _ := json.Marshal(f)
	back, err := ParseFigure(string(data))
	if err != nil || back != f {
		t.Fatalf("ParseFigure(%s) = %+v, %v; want %+v", data, back, err, f)
	}
	if g := Report(t, Figure{Name: "ratio", Value: 12, Op: ">=", Budget: 4}); !g.Pass {
		t.Fatalf("12 >= 4 reported as failing")
	}
}
