package racereport

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// outputOf reads the Output lines of a `go test -json` capture.
func outputOf(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var ev struct{ Output string }
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Output != "" {
			lines = append(lines, strings.TrimRight(ev.Output, "\n"))
		}
	}
	return lines
}

// The capture is `go test -race -json -tags perflabfixture` of testdata/racy.
func TestParseRealCapture(t *testing.T) {
	lines := outputOf(t, "testdata/race.jsonl")
	if !Found(lines) {
		t.Fatal("Found = false on a capture with a race")
	}
	inFixture := func(f Frame) bool { return strings.HasSuffix(f.File, "racy_test.go") }
	reports := Parse(lines, inFixture)
	if len(reports) != 1 {
		t.Fatalf("got %d reports, want 1", len(reports))
	}
	r := reports[0]
	if len(r.Accesses) != 2 {
		t.Fatalf("got %d accesses, want 2: %+v", len(r.Accesses), r)
	}
	want := "read by goroutine 10 in (*counter).add at racy_test.go:15 ← TestCounter.func1 at racy_test.go:23; previous write by goroutine 9 in (*counter).add at racy_test.go:15 ← TestCounter.func1 at racy_test.go:23"
	if got := r.String(); got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}
	if n := len(r.Accesses[0].Frames); n != 2 {
		t.Errorf("kept %d frames of the read, want 2 (add and the test's closure)", n)
	}
}

func TestParseKeepsSomethingWhenNoFrameIsKept(t *testing.T) {
	lines := outputOf(t, "testdata/race.jsonl")
	r := Parse(lines, func(Frame) bool { return false })
	if len(r) != 1 || len(r[0].Accesses[0].Frames) == 0 {
		t.Fatalf("Parse kept no frame: %+v", r)
	}
}

func TestNoRace(t *testing.T) {
	lines := []string{"=== RUN   TestX", "    x_test.go:3: allocs/op = 3, budget ≤ 1", "--- FAIL: TestX (0.00s)"}
	if Found(lines) || len(Parse(lines, nil)) != 0 {
		t.Fatal("found a race in output without one")
	}
}

func TestFuncName(t *testing.T) {
	for in, want := range map[string]string{
		"github.com/x/lab.(*Cache).Get()":           "(*Cache).Get",
		"github.com/x/lab.(*Cache).Get(0xc00, 0x1)": "(*Cache).Get",
		"github.com/x/lab.TestA.func1()":            "TestA.func1",
		"main.main()":                               "main",
	} {
		if got := funcName(in); got != want {
			t.Errorf("funcName(%q) = %q, want %q", in, got, want)
		}
	}
}
