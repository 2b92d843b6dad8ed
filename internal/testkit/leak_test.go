package testkit

import (
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func parkForever(ch chan int) { ch <- 1 }

func TestSummarizeLeaksGroupsGoleakReport(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	ch := make(chan int)
	for range 3 {
		go parkForever(ch)
	}
	defer func() {
		for range 3 {
			<-ch
		}
	}()
	err := goleak.Find(ignore)
	if err == nil {
		t.Fatal("goleak.Find found no goroutines; want the 3 parked ones")
	}
	n, lines := summarizeLeaks(err.Error())
	if n != 3 || len(lines) != 1 {
		t.Fatalf("summarizeLeaks = %d goroutines in %d lines, want 3 in 1:\n%s", n, len(lines), strings.Join(lines, "\n"))
	}
	for _, want := range []string{"testkit.parkForever [chan send] at leak_test.go:", "started by ", " ×3"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("summary %q lacks %q", lines[0], want)
		}
	}
}

func TestSummarizeLeaksRuntimeFormat(t *testing.T) {
	report := `goroutine 7 [chan receive, 2 minutes]:
main.worker()
	/src/app/main.go:12 +0x25
created by main.main in goroutine 1
	/src/app/main.go:8 +0x1d`
	n, lines := summarizeLeaks(report)
	want := "  - main.worker [chan receive] at main.go:12, started by main.main at main.go:8"
	if n != 1 || len(lines) != 1 || lines[0] != want {
		t.Fatalf("summarizeLeaks = %d, %q; want 1, [%q]", n, lines, want)
	}
}
