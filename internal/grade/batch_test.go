package grade

import (
	"bytes"
	"context"
	"encoding/csv"
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
	opts := BatchOptions{Parallel: 2, Results: results, Done: func(done, total int, r BatchResult) {
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
