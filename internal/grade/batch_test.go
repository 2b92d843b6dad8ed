package grade

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBatchResumesAndSurvivesABrokenSubmission grades three submissions
// (one solved, one as shipped, one that is not a folder), then grades them
// again: the second time nothing runs, and the CSV has one row each.
func TestBatchResumesAndSurvivesABrokenSubmission(t *testing.T) {
	good := newSub(t, "alice").solved()
	bad := newSub(t, "bob")
	missing := filepath.Join(t.TempDir(), "carol")
	results := t.TempDir()
	g := NewGrader(fixture.course)
	var err error
	if g.Labs, err = fixture.course.Resolve([]string{"02-fixtures/square"}); err != nil {
		t.Fatal(err)
	}
	dirs := []string{good.dir, bad.dir, missing}
	calls := 0
	opts := BatchOptions{Parallel: 2, Results: results, KeyFile: filepath.Join(t.TempDir(), "grade.key"), Done: func(done, total int, r BatchResult) {
		calls++
		if done != calls {
			t.Errorf("progress %d/%d after %d calls", done, total, calls)
		}
	}}
	first := g.Batch(context.Background(), dirs, opts)
	if first[0].Report == nil || !first[0].Report.Full() || first[1].Report == nil || first[1].Report.Score != 0 || first[2].Err == nil {
		t.Fatalf("first batch: %+v", first)
	}
	calls = 0
	second := g.Batch(context.Background(), dirs, opts)
	for i, r := range second[:2] {
		if !r.Resumed || r.Report.Score != first[i].Report.Score {
			t.Errorf("%s: resumed %v with %+v; want the first report again", r.Name, r.Resumed, r.Report)
		}
	}
	good.write("02-fixtures/square/square.go", "package square\n\nfunc Square(x int) int { return x + x }\n")
	calls = 0
	third := g.Batch(context.Background(), dirs[:1], opts)
	if third[0].Resumed || third[0].Report.Score != 0 {
		t.Errorf("after a change: resumed %v, score %d; want a new grade of 0", third[0].Resumed, third[0].Report.Score)
	}
	var b bytes.Buffer
	if err := g.WriteClassCSV(&b, second); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[1][0] != "alice" || rows[1][3] != "5" || rows[2][3] != "0" || !strings.Contains(rows[3][len(rows[3])-1], "not a folder") {
		t.Errorf("csv rows:\n%v", rows)
	}
}

// TestBatchDoesNotResumeATamperedReport grades one submission, then
// raises the score in its report file (as code run by a student could):
// the second batch does not trust it, says why, and grades again.
func TestBatchDoesNotResumeATamperedReport(t *testing.T) {
	bob := newSub(t, "bob")
	results := t.TempDir()
	g := NewGrader(fixture.course)
	var err error
	if g.Labs, err = fixture.course.Resolve([]string{"02-fixtures/square"}); err != nil {
		t.Fatal(err)
	}
	opts := BatchOptions{Results: results, KeyFile: filepath.Join(t.TempDir(), "grade.key")}
	first := g.Batch(context.Background(), []string{bob.dir}, opts)
	if first[0].Report == nil || first[0].Report.Score != 0 {
		t.Fatalf("first batch: %+v", first[0])
	}
	path := filepath.Join(results, "bob.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	forged := strings.Replace(strings.Replace(string(data), `"score": 0`, `"score": 5`, 1), `"score": 0`, `"score": 5`, 1)
	if forged == string(data) {
		t.Fatalf("found no score to forge in:\n%s", data)
	}
	if err := os.WriteFile(path, []byte(forged), 0o644); err != nil {
		t.Fatal(err)
	}
	second := g.Batch(context.Background(), []string{bob.dir}, opts)
	r := second[0]
	if r.Resumed || r.Report == nil || r.Report.Score != 0 || r.NotResumed != "report not signed by this grader" {
		t.Errorf("after forging: resumed %v, not resumed %q, report %+v; want a new grade of 0", r.Resumed, r.NotResumed, r.Report)
	}
	key, err := LoadKey(opts.KeyFile, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := key.Verify(path); err != nil {
		t.Errorf("the report graded again is not signed: %v", err)
	}
}

// TestReportSignature signs a report file, then changes one byte, and
// another key: neither verifies.
func TestReportSignature(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "keys", "grade.key")
	key, err := LoadKey(keyFile, true)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(keyFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v, %v; want mode 0600", st, err)
	}
	path := filepath.Join(dir, "alice.json")
	if err := key.WriteReport(path, sample()); err != nil {
		t.Fatal(err)
	}
	if rep, err := key.ReadReport(path); err != nil || rep.Score != 10 {
		t.Fatalf("reading the signed report: %v, %v", rep, err)
	}
	other, err := LoadKey(filepath.Join(dir, "other.key"), true)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Verify(path); !errors.Is(err, ErrNotSigned) {
		t.Errorf("another key verified it: %v", err)
	}
	data, _ := os.ReadFile(path)
	os.WriteFile(path, bytes.Replace(data, []byte(`"score": 10`), []byte(`"score": 15`), 1), 0o644)
	if _, err := key.ReadReport(path); !errors.Is(err, ErrNotSigned) {
		t.Errorf("a changed report: %v; want ErrNotSigned", err)
	}
	os.Remove(SigFile(path))
	if err := key.Verify(path); !errors.Is(err, ErrNotSigned) {
		t.Errorf("a report with no signature: %v; want ErrNotSigned", err)
	}
}

// TestBatchFolderOfSubmissions: a folder that holds copies of the course
// is found to be one, and reports default outside the course's checkout.
func TestBatchFolderOfSubmissions(t *testing.T) {
	g := NewGrader(fixture.course)
	class := t.TempDir()
	for _, n := range []string{"alice", "bob"} {
		if err := os.MkdirAll(filepath.Join(class, n, "02-fixtures", "square"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(filepath.Join(class, "notes"), 0o755)
	if got := g.SubmissionsIn(class); len(got) != 2 || filepath.Base(got[0]) != "alice" {
		t.Errorf("SubmissionsIn(class) = %v; want alice and bob", got)
	}
	if got := g.SubmissionsIn(filepath.Join(class, "alice")); got != nil {
		t.Errorf("SubmissionsIn(alice) = %v; want none: it is a copy", got)
	}
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	elsewhere := t.TempDir()
	if got, err := DefaultResults(context.Background(), fixture.course, elsewhere); err != nil || got != filepath.Join(elsewhere, "grades") {
		t.Errorf("outside the course: %q, %v", got, err)
	}
	inside := filepath.Join(fixture.root, "02-fixtures")
	want := filepath.Join(cache, "perflab", "grades", fixture.course.Commit)
	if got, err := DefaultResults(context.Background(), fixture.course, inside); err != nil || got != want {
		t.Errorf("inside the course: %q, %v; want %q", got, err, want)
	}
}
