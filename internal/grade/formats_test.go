package grade

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/goperflabs/labs/internal/testkit"
)

// sample is a report with every field in use, without running anything.
func sample() *Report {
	r := &Report{Schema: SchemaVersion, Course: CourseInfo{"/course", strings.Repeat("a", 40)},
		Submission: SubmissionInfo{"alice", "/subs/alice", strings.Repeat("b", 40), "cafe"},
		Labs:       []LabResult{}, Ignored: []Ignored{{"01-memory/retention/index_test.go", "deleted", "test file"}}, IgnoredMore: 2, Elapsed: 3.5}
	r.add(LabResult{Lab: "01-memory/retention", Title: "Small keys", Max: 10, Score: 10, Status: StatusPassed, Figures: []Figure{{Test: "TestIndexRetention", Figure: testkit.Figure{Name: "heap retained", Value: 1024, Op: "<=", Budget: 1 << 20, Unit: "bytes", Pass: true}}}})
	r.add(LabResult{Lab: "02-fixtures/sum", Title: "Sum", Max: 5, Status: StatusRejected, Reason: `02-fixtures/sum/sum.go:3: imports "testing", a, b`,
		Location: &Location{"02-fixtures/sum/sum.go", 3}, Problems: []Problem{{File: "02-fixtures/sum/sum.go", Line: 3, Msg: "imports"}}, Race: true})
	return r
}

func TestJSONMatchesSchema(t *testing.T) {
	var b bytes.Buffer
	if err := sample().WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	validate(t, "perflab-grade-v1.schema.json", b.Bytes())
}

func TestGradescopeMatchesSchema(t *testing.T) {
	var b bytes.Buffer
	if err := sample().WriteGradescope(&b); err != nil {
		t.Fatal(err)
	}
	validate(t, "gradescope-results.schema.json", b.Bytes())
	for _, want := range []string{`"score": 10`, `"max_score": 5`, `"status": "failed"`, `rejected: 02-fixtures/sum/sum.go:3`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("results.json has no %s:\n%s", want, b.String())
		}
	}
}

// TestGradescopeFailureMatchesSchema: when grading itself fails, the
// results.json Gradescope gets is still valid, with score 0 and the reason.
func TestGradescopeFailureMatchesSchema(t *testing.T) {
	var b bytes.Buffer
	if err := WriteGradescopeFailure(&b, `exec: "go": executable file not found in $PATH`); err != nil {
		t.Fatal(err)
	}
	validate(t, "gradescope-results.schema.json", b.Bytes())
	for _, want := range []string{`"score": 0`, `"tests": []`, `could not grade this submission: exec: \"go\"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("results.json has no %s:\n%s", want, b.String())
		}
	}
}

func TestAnnotationsPointAtTheLine(t *testing.T) {
	var b bytes.Buffer
	if err := sample().WriteAnnotations(&b); err != nil {
		t.Fatal(err)
	}
	want := "::error file=02-fixtures/sum/sum.go,line=3,title=02-fixtures/sum (rejected)::02-fixtures/sum/sum.go:3: imports \"testing\", a, b\n"
	if b.String() != want {
		t.Errorf("annotations:\n%q\nwant\n%q", b.String(), want)
	}
	b.Reset()
	if err := sample().WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## perflab grade: 10/15", "| 02-fixtures/sum | 0/5 | ❌ rejected |", "deleted `01-memory/retention/index_test.go`", "and 2 more"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary has no %q:\n%s", want, b.String())
		}
	}
}

func TestCSVRow(t *testing.T) {
	var b bytes.Buffer
	if err := sample().WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"name", "commit", "course_commit", "01-memory/retention", "02-fixtures/sum", "total", "max", "error"},
		{"alice", strings.Repeat("b", 40), strings.Repeat("a", 40), "10", "0", "10", "15", ""},
	}
	if len(rows) != 2 || strings.Join(rows[0], ",") != strings.Join(want[0], ",") || strings.Join(rows[1], ",") != strings.Join(want[1], ",") {
		t.Errorf("csv:\n%v\nwant\n%v", rows, want)
	}
}
