package cli

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGradeExitStatus grades the fixture course (as committed) against
// itself: a lab that passes exits 0, one that fails exits non-zero, and
// --json prints the versioned report.
func TestGradeExitStatus(t *testing.T) {
	out, _, err := run(t, ".", "grade", "--course", fixtureCourse, "--labs", "01-fixtures/passes", "--json")
	require.NoError(t, err)
	var rep struct {
		Schema     string
		Score, Max int
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
	assert.Equal(t, "perflab-grade/v1", rep.Schema)
	assert.Equal(t, rep.Max, rep.Score)

	out, _, err = run(t, ".", "grade", "--course", fixtureCourse, "--labs", "01-fixtures/fails")
	assert.ErrorIs(t, err, ErrFailed)
	assert.Contains(t, out, "01-fixtures/fails")
	assert.Contains(t, out, "Total: 0/10")
}

// TestGradeClassWritesCSV grades two submissions (the same folder twice)
// and one that does not exist: three CSV rows, and a non-zero exit for the
// missing one.
func TestGradeClassWritesCSV(t *testing.T) {
	results := t.TempDir()
	_, stderr, err := run(t, ".", "grade", "--course", fixtureCourse, "--labs", "01-fixtures/passes", "-p", "2", "--results", results,
		fixtureCourse, fixtureCourse, filepath.Join(t.TempDir(), "nobody"))
	assert.ErrorIs(t, err, ErrFailed)
	assert.Contains(t, stderr, "[3/3]")
	f, err := os.Open(filepath.Join(results, "grades.csv"))
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 4)
	assert.Equal(t, []string{"course", "course-2", "nobody"}, []string{rows[1][0], rows[2][0], rows[3][0]})
	assert.Equal(t, "5", rows[1][3])
	assert.True(t, strings.Contains(rows[3][len(rows[3])-1], "not a folder"), rows[3])
}

// TestGradeMergeReports merges --json reports, as the class workflow's
// last job does, into one CSV.
func TestGradeMergeReports(t *testing.T) {
	dir := t.TempDir()
	out, _, err := run(t, ".", "grade", "--course", fixtureCourse, "--labs", "01-fixtures/passes", "--json")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.json"), []byte(out), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b.json"), []byte("not json"), 0o644))
	csvOut, _, err := run(t, ".", "grade", "--merge", filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json"))
	require.NoError(t, err)
	rows, err := csv.NewReader(strings.NewReader(csvOut)).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 3, csvOut)
	assert.Equal(t, "5", rows[1][3])
	assert.Contains(t, rows[2][len(rows[2])-1], "not a grade report")
}
