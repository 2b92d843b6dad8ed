package grade

import (
	"bytes"
	"github.com/goperflabs/labs/internal/manifest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// fullLabs are the labs the whole-course cases grade: every lab of the
// fixture course but bounded-cache, whose -race run is slow on a busy
// machine (TestRacyBoundedCacheScoresZero grades it); fullMax is their
// total: retention 10, sum 5, counter 5, square 5, profile 5, system 5,
// benchfile 5.
var fullLabs = []string{"01-memory/retention", "02-fixtures"}

const fullMax = 40

func TestShippedScoresZero(t *testing.T) {
	rep := newSub(t, "shipped").grade(fullLabs...)
	wantTotal(t, rep, 0, fullMax, false)
	for _, l := range rep.Labs {
		if l.Status == StatusPassed || l.Reason == "" {
			t.Errorf("%s: %s with reason %q; want a failure and its reason", l.Lab, l.Status, l.Reason)
		}
	}
	if len(rep.Ignored) != 0 {
		t.Errorf("ignored %v in an untouched copy of the course", rep.Ignored)
	}
}

func TestSolutionsScoreFull(t *testing.T) {
	rep := newSub(t, "solved").solved().grade(fullLabs...)
	wantTotal(t, rep, fullMax, fullMax, true)
	if l := rep.Lab("01-memory/retention"); l == nil || len(l.Figures) == 0 {
		t.Errorf("retention reported no gate figures: %+v", l)
	}
}

func TestTamperingWithSolutionsIsIgnored(t *testing.T) {
	rep := newSub(t, "tampered-solved").solved().tampered().grade(fullLabs...)
	wantTotal(t, rep, fullMax, fullMax, true)
	wantIgnored(t, rep)
}

func TestTamperingWithShippedScoresZero(t *testing.T) {
	rep := newSub(t, "tampered-shipped").tampered().grade(fullLabs...)
	wantTotal(t, rep, 0, fullMax, false)
	wantIgnored(t, rep)
}

// wantIgnored checks that every kind of tampering is listed.
func wantIgnored(t *testing.T, rep *Report) {
	t.Helper()
	want := []Ignored{
		{"01-memory/retention/index_test.go", "deleted", "test file"},
		{"01-memory/retention/main_test.go", "added", "test file"},
		{"02-fixtures/sum/sum_test.go", "deleted", "test file"},
		{"01-memory/labs.toml", "changed", "manifest"},
		{"02-fixtures/labs.toml", "changed", "manifest"},
		{"internal/testkit/heap.go", "changed", "test kit"},
		{"01-memory/retention/extra.go", "added", "extra .go file in a lab folder"},
		{"go.mod", "changed", "module file"},
	}
	for _, w := range want {
		if !slices.Contains(rep.Ignored, w) {
			t.Errorf("ignored list has no %+v; it is %+v", w, rep.Ignored)
		}
	}
}

func wantTotal(t *testing.T, rep *Report, score, max int, full bool) {
	t.Helper()
	var js, gs bytes.Buffer
	if rep.WriteJSON(&js) != nil || rep.WriteGradescope(&gs) != nil {
		t.Fatal("writing the report failed")
	}
	validate(t, "perflab-grade-v1.schema.json", js.Bytes())
	validate(t, "gradescope-results.schema.json", gs.Bytes())
	if rep.Score != score || rep.Max != max || rep.Full() != full {
		t.Errorf("score %d/%d (full %v), want %d/%d (full %v)", rep.Score, rep.Max, rep.Full(), score, max, full)
	}
}

// wantLab checks one lab's status and that its reason says what it must.
func wantLab(t *testing.T, rep *Report, lab string, status Status, reason string) *LabResult {
	t.Helper()
	l := rep.Lab(lab)
	if l == nil {
		t.Fatalf("no result for %s", lab)
	}
	if l.Status != status || !strings.Contains(l.Reason, reason) {
		t.Errorf("%s: %s %q, want %s with %q", lab, l.Status, l.Reason, status, reason)
	}
	if status != StatusPassed && l.Score != 0 {
		t.Errorf("%s scored %d, want 0", lab, l.Score)
	}
	return l
}

const solvedSum = `package sum

func Sum(xs []int) int {
	total := 0
	for _, x := range xs {
		total += x
	}
	return total
}
`

func TestTestDetectorIsRejected(t *testing.T) {
	rep := newSub(t, "detector").write("02-fixtures/sum/sum.go", `package sum

import "testing"

func Sum(xs []int) int {
	total := 0
	n := len(xs) - 1
	if testing.Testing() {
		n = len(xs)
	}
	for _, x := range xs[:max(n, 0)] {
		total += x
	}
	return total
}
`).grade("02-fixtures/sum")
	l := wantLab(t, rep, "02-fixtures/sum", StatusRejected, `imports "testing"`)
	if l.Location == nil || l.Location.File != "02-fixtures/sum/sum.go" || l.Location.Line != 3 {
		t.Errorf("location %+v, want 02-fixtures/sum/sum.go:3", l.Location)
	}
}

// systemWith is the system lab's file (the solution's, or the shipped
// one's) with code added before Greet: that lab's own code uses os, so the
// screen lets the code through and the run must judge it.
func systemWith(s *sub, solved bool, code string) string {
	src := s.read("02-fixtures/system/system.go")
	if solved {
		src = s.read("solutions/02-fixtures/system/system.go")
	}
	return strings.Replace(src, "// Greet greets name.", code+"\n\n// Greet greets name.", 1)
}

func TestInitExitScoresZero(t *testing.T) {
	s := newSub(t, "init-exit")
	rep := s.write("02-fixtures/system/system.go", systemWith(s, true, "func init() { os.Exit(0) }")).grade("02-fixtures/system")
	wantLab(t, rep, "02-fixtures/system", StatusExited, "the test binary exited before its tests ran")
}

// TestForgedReportScoresZero prints go test's own framing for every test
// from init, and exits 0: the output says PASS, the recorder has nothing.
func TestForgedReportScoresZero(t *testing.T) {
	forged := "func init() {\n" +
		"\tfor _, n := range []string{\"TestGreet\", \"TestGreetEmpty\"} {\n" +
		"\t\tfmt.Printf(\"\\x16=== RUN   %s\\n\\x16--- PASS: %s (0.00s)\\n\", n, n)\n\t}\n" +
		"\tfmt.Print(\"\\x16PASS\\n\")\n\tos.Exit(0)\n}"
	s := newSub(t, "forged")
	rep := s.write("02-fixtures/system/system.go", systemWith(s, false, forged)).grade("02-fixtures/system")
	wantLab(t, rep, "02-fixtures/system", StatusExited, "the test binary exited before its tests ran")
}

func TestRacyFixScoresZero(t *testing.T) {
	s := newSub(t, "racy").solved()
	s.edit("02-fixtures/counter/counter.go", "func (c *Counter) Inc(name string) {\n\tc.mu.Lock()\n\tdefer c.mu.Unlock()\n", "func (c *Counter) Inc(name string) {\n")
	rep := s.grade("02-fixtures/counter")
	l := wantLab(t, rep, "02-fixtures/counter", StatusDataRace, "data race in TestConcurrentInc")
	if l.Location == nil || l.Location.File != "02-fixtures/counter/counter.go" {
		t.Errorf("location %+v, want a line of counter.go", l.Location)
	}
}

func TestCompileErrorScoresZero(t *testing.T) {
	rep := newSub(t, "nocompile").write("02-fixtures/sum/sum.go", strings.Replace(solvedSum, "return total", "return totl", 1)).grade("02-fixtures/sum")
	l := wantLab(t, rep, "02-fixtures/sum", StatusBuildFailed, "does not compile: 02-fixtures/sum/sum.go:8:9: undefined: totl")
	if l.Location == nil || *l.Location != (Location{"02-fixtures/sum/sum.go", 8}) {
		t.Errorf("location %+v, want 02-fixtures/sum/sum.go:8", l.Location)
	}
}

func TestHangCostsOnlyItsLab(t *testing.T) {
	s := newSub(t, "hang").solved()
	s.write("02-fixtures/sum/sum.go", "package sum\n\nfunc Sum(xs []int) int {\n\tfor {\n\t}\n}\n")
	start := time.Now()
	rep := s.grade("02-fixtures/sum", "02-fixtures/square")
	wantLab(t, rep, "02-fixtures/sum", StatusTimedOut, "time limit of 4s")
	wantLab(t, rep, "02-fixtures/square", StatusPassed, "")
	if d := time.Since(start); d > 5*time.Minute {
		t.Errorf("grading took %s", d)
	}
}

func TestMemoryHogCostsOnlyItsLab(t *testing.T) {
	s := newSub(t, "hog").solved()
	s.write("02-fixtures/sum/sum.go", `package sum

var keep [][]byte

func Sum(xs []int) int {
	for {
		b := make([]byte, 16<<20)
		for i := range b {
			b[i] = 1
		}
		keep = append(keep, b)
	}
}
`)
	g := NewGrader(fixture.course)
	g.Limits.Memory = 200 << 20
	g.Labs = untimed(t, "02-fixtures/sum", "02-fixtures/square")
	rep := s.gradeWith(g)
	wantLab(t, rep, "02-fixtures/sum", StatusOverLimit, "memory limit of 200 MiB")
	wantLab(t, rep, "02-fixtures/square", StatusPassed, "")
}

// TestRacyBoundedCacheScoresZero removes the mutex from the real
// bounded-cache lab's solution: its concurrent test must show -race the
// race.
func TestRacyBoundedCacheScoresZero(t *testing.T) {
	if testing.Short() {
		t.Skip("a -race run of a real lab; the counter fixture covers the rule in -short")
	}
	s := newSub(t, "racy-lru").solved()
	src := s.read("01-memory/bounded-cache/cache.go")
	src = strings.NewReplacer("c.mu.Lock()", "", "c.mu.Unlock()", "", "defer c.mu.Unlock()", "").Replace(src)
	s.write("01-memory/bounded-cache/cache.go", src)
	rep := s.grade("01-memory/bounded-cache")
	wantLab(t, rep, "01-memory/bounded-cache", StatusDataRace, "data race in ")
}

// TestProcessLimitCostsOnlyItsLab starts many processes from the code
// under test (a gentle stand-in for a fork bomb, which would hurt the
// other jobs on the machine): the run is killed at the process limit.
func TestProcessLimitCostsOnlyItsLab(t *testing.T) {
	s := newSub(t, "forks").solved()
	forks := "func init() {\n\tfor range 200 {\n\t\texec.Command(\"sleep\", \"20\").Start()\n\t}\n\ttime.Sleep(time.Hour)\n}"
	s.write("02-fixtures/system/system.go", systemWith(s, true, forks))
	g := NewGrader(fixture.course)
	g.Limits.Processes = 40
	g.Labs = untimed(t, "02-fixtures/system", "02-fixtures/square")
	rep := s.gradeWith(g)
	wantLab(t, rep, "02-fixtures/system", StatusOverLimit, "the limit of 40 processes")
	wantLab(t, rep, "02-fixtures/square", StatusPassed, "")
}

// TestMissingOrLinkedEditFileScoresZero: a deleted edit file, or one that
// is a link (to the reference solution, say), is not taken.
func TestMissingOrLinkedEditFileScoresZero(t *testing.T) {
	s := newSub(t, "missing")
	if err := os.Remove(filepath.Join(s.dir, "02-fixtures/sum/sum.go")); err != nil {
		t.Fatal(err)
	}
	sq := filepath.Join(s.dir, "02-fixtures/square/square.go")
	os.Remove(sq)
	if err := os.Symlink(filepath.Join(s.dir, "solutions/02-fixtures/square/square.go"), sq); err != nil {
		t.Fatal(err)
	}
	rep := s.grade("02-fixtures/sum", "02-fixtures/square")
	wantLab(t, rep, "02-fixtures/sum", StatusMissing, "the submission has no 02-fixtures/sum/sum.go")
	wantLab(t, rep, "02-fixtures/square", StatusMissing, "is not a regular file")
}

// rewriter is the system lab's solution with an init that rewrites
// another lab's test, as a student's code could try from a test run.
func rewriter(s *sub) string {
	return strings.Replace(s.read("solutions/02-fixtures/system/system.go"), "// Greet greets name.",
		"func init() {\n\tos.WriteFile(\"../square/square_test.go\", []byte(\"package square\\n\"), 0o644)\n}\n\n// Greet greets name.", 1)
}

// TestRewritingTheCourseChangesNothing: in the sandbox the course is
// read-only, so code under test that tries to rewrite a later lab's test
// changes nothing: it is graded on its merits, and the later lab against
// the course's own test.
func TestRewritingTheCourseChangesNothing(t *testing.T) {
	s := newSub(t, "rewrites") // square as shipped: it must fail
	s.write("02-fixtures/system/system.go", rewriter(s))
	rep := s.grade("02-fixtures/system", "02-fixtures/square")
	wantLab(t, rep, "02-fixtures/system", StatusPassed, "")
	wantLab(t, rep, "02-fixtures/square", StatusFailed, "TestSquare failed")
}

// TestRewritingTheCourseUnsandboxedScoresZero: run without the sandbox,
// the same code does rewrite the course's copy; the grader sees it, scores
// the lab 0 and copies the course again before the next lab.
func TestRewritingTheCourseUnsandboxedScoresZero(t *testing.T) {
	s := newSub(t, "rewrites-unsandboxed")
	s.write("02-fixtures/system/system.go", rewriter(s))
	g := NewGrader(fixture.course)
	g.Unsandboxed = true
	var err error
	if g.Labs, err = fixture.course.Resolve([]string{"02-fixtures/system", "02-fixtures/square"}); err != nil {
		t.Fatal(err)
	}
	rep := s.gradeWith(g)
	wantLab(t, rep, "02-fixtures/system", StatusTampered, "02-fixtures/square/square_test.go")
	wantLab(t, rep, "02-fixtures/square", StatusFailed, "TestSquare failed")
}

// TestAlternativeFixesScoreFull: correct fixes unlike the reference
// (a sync.Map of atomic counters; a recursive sum) get full points, plain
// and under -race.
func TestAlternativeFixesScoreFull(t *testing.T) {
	s := newSub(t, "alt")
	s.write("02-fixtures/counter/counter.go", `package counter

import (
	"sync"
	"sync/atomic"
)

// Counter counts events by name; it is meant for concurrent use.
type Counter struct {
	mu sync.Mutex // unused: the map and the counters need no lock
	n  sync.Map   // name → *atomic.Int64
}

// New returns an empty counter.
func New() *Counter { return &Counter{} }

// Inc counts one event called name.
func (c *Counter) Inc(name string) {
	v, _ := c.n.LoadOrStore(name, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

// Get returns how many events called name were counted.
func (c *Counter) Get(name string) int {
	if v, ok := c.n.Load(name); ok {
		return int(v.(*atomic.Int64).Load())
	}
	return 0
}
`)
	s.write("02-fixtures/sum/sum.go", "package sum\n\n// Sum returns the sum of xs.\nfunc Sum(xs []int) int {\n\tif len(xs) == 0 {\n\t\treturn 0\n\t}\n\treturn xs[0] + Sum(xs[1:])\n}\n")
	rep := s.grade("02-fixtures/sum", "02-fixtures/counter")
	wantTotal(t, rep, 10, 10, true)
}

// TestProfileSubmission: a lab whose answer is a data file, default.pgo,
// read from disk by its test, is graded from the student's file; a file
// that is not a profile, or is too big, is refused with one line.
func TestProfileSubmission(t *testing.T) {
	rep := newSub(t, "profile").solved().grade("02-fixtures/profile")
	wantTotal(t, rep, 5, 5, true)

	s := newSub(t, "not-a-profile")
	s.write("02-fixtures/profile/default.pgo", "hot\n")
	rep = s.grade("02-fixtures/profile")
	wantLab(t, rep, "02-fixtures/profile", StatusRejected, "02-fixtures/profile/default.pgo:1: is not a profile go build can read")

	s = newSub(t, "huge-profile")
	s.write("02-fixtures/profile/default.pgo", strings.Repeat("x", maxEditFile+1))
	rep = s.grade("02-fixtures/profile")
	wantLab(t, rep, "02-fixtures/profile", StatusMissing, "02-fixtures/profile/default.pgo is 1025 KiB; the limit is 1024 KiB")
}

// untimed resolves labs with a time limit of ten minutes, so that a test
// of another limit is decided by that limit however loaded the machine
// is: a hog that allocates slowly still reaches the memory limit first.
func untimed(t *testing.T, ids ...string) []manifest.Lab {
	t.Helper()
	labs, err := fixture.course.Resolve(ids)
	if err != nil {
		t.Fatal(err)
	}
	for i := range labs {
		labs[i].Timeout.Duration = 10 * time.Minute
	}
	return labs
}
