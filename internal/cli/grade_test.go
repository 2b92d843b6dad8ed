package cli

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
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
	isolateCache(t)
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
	isolateCache(t)
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

// isolateCache points os.UserCacheDir, where grade keeps its key and a
// class's default results, at a temporary folder. The Go build cache,
// which lives there too unless GOCACHE says otherwise, stays where it was,
// so the tests' builds stay warm.
func isolateCache(t *testing.T) string {
	t.Helper()
	if os.Getenv("GOCACHE") == "" {
		goCache, err := exec.Command("go", "env", "GOCACHE").Output()
		require.NoError(t, err)
		t.Setenv("GOCACHE", strings.TrimSpace(string(goCache)))
	}
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", dir)
	return dir
}

// TestGradeHelpListsEveryFlag: grade --help has a line for every flag
// grade's flag set defines (the global ones aside), and exits 0.
func TestGradeHelpListsEveryFlag(t *testing.T) {
	out, _, err := run(t, ".", "grade", "--help")
	require.NoError(t, err)
	assert.Equal(t, commandHelp("grade"), out)
	fs, _ := (&app{}).gradeFlags()
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name == "redis" || f.Name == "no-color" {
			return
		}
		dash := "--"
		if len(f.Name) == 1 {
			dash = "-"
		}
		assert.Contains(t, out, "\n  "+dash+f.Name+" ", "grade --help has no line for %s%s", dash, f.Name)
	})
}

// TestGradeOutEveryFormat grades once into several files: nothing on
// stdout, a line per lab on stderr, a signed JSON report whose lab took
// some time, a valid results.json and a CSV.
func TestGradeOutEveryFormat(t *testing.T) {
	isolateCache(t)
	dir := t.TempDir()
	path := func(n string) string { return filepath.Join(dir, n) }
	out, stderr, err := run(t, ".", "grade", "--course", fixtureCourse, "--labs", "01-fixtures/passes",
		"--out", "json="+path("r.json"), "--out", "gradescope="+path("results.json"), "--out", "csv="+path("g.csv"), "--out", "text="+path("r.txt"))
	require.NoError(t, err, stderr)
	assert.Empty(t, out)
	assert.Regexp(t, `\[1/1\] 01-fixtures/passes 5/5 in \d+s\n`, stderr)
	var rep struct {
		Labs []struct {
			Elapsed float64 `json:"elapsed_seconds"`
		}
	}
	data, err := os.ReadFile(path("r.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &rep))
	require.Len(t, rep.Labs, 1)
	assert.Greater(t, rep.Labs[0].Elapsed, 0.0, "the lab's elapsed_seconds")
	assert.FileExists(t, path("r.json.hmac"))
	var gs struct {
		Score float64
		Tests []struct{ Status string }
	}
	data, err = os.ReadFile(path("results.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &gs))
	assert.Equal(t, 5.0, gs.Score)
	data, err = os.ReadFile(path("g.csv"))
	require.NoError(t, err)
	assert.Contains(t, string(data), "01-fixtures/passes")
	data, err = os.ReadFile(path("r.txt"))
	require.NoError(t, err)
	assert.Contains(t, string(data), "Total: 5/5")

	_, _, err = run(t, ".", "grade", "--out", "pdf=x.pdf")
	assert.ErrorContains(t, err, `format "pdf"`)

	data, err = os.ReadFile(path("r.json"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path("forged.json"), []byte(strings.Replace(string(data), `"score": 5`, `"score": 50`, 1)), 0o644))
	data, err = os.ReadFile(path("r.json.hmac"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path("forged.json.hmac"), data, 0o644))
	csvOut, stderr, err := run(t, ".", "grade", "--merge", path("r.json"), path("forged.json"))
	require.NoError(t, err)
	assert.Contains(t, csvOut, "01-fixtures/passes")
	assert.Contains(t, stderr, path("r.json")+": verified")
	assert.Contains(t, stderr, path("forged.json")+": not verified")
}

// TestGradeFolderOfSubmissions: a folder of submissions given as one is
// refused with the DIR/* form; one submission with --csv gets its CSV;
// a class's reports go outside the course's checkout by default, and the
// summary says where.
func TestGradeFolderOfSubmissions(t *testing.T) {
	cache := isolateCache(t)
	class := t.TempDir()
	for _, n := range []string{"alice", "bob"} {
		require.NoError(t, os.Rename(copyCourse(t), filepath.Join(class, n)))
	}
	_, _, err := run(t, ".", "grade", "--course", fixtureCourse, "--labs", "01-fixtures/passes", class)
	var usage *usageError
	require.ErrorAs(t, err, &usage)
	assert.Contains(t, err.Error(), "folder of 2 submissions")
	assert.Contains(t, err.Error(), filepath.Join(class, "*"))

	csvPath := filepath.Join(t.TempDir(), "one.csv")
	out, _, err := run(t, ".", "grade", "--course", fixtureCourse, "--labs", "01-fixtures/passes", "--csv", csvPath, filepath.Join(class, "alice"))
	require.NoError(t, err)
	data, err := os.ReadFile(csvPath)
	require.NoError(t, err)
	rows, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 2)
	assert.Equal(t, "alice", rows[1][0])
	assert.Contains(t, out, "scores in "+csvPath)
	assert.Contains(t, out, "reports in "+filepath.Join(cache, "perflab", "grades"), "this test runs inside the course's checkout")
	reports, _ := filepath.Glob(filepath.Join(cache, "perflab", "grades", "*", "alice.json"))
	assert.Len(t, reports, 1)
}

// TestGradeCourseWithoutGit: a course folder outside git is refused in
// one line, and graded as it is on disk with --working-tree.
func TestGradeCourseWithoutGit(t *testing.T) {
	dir := copyCourse(t)
	_, _, err := run(t, ".", "grade", "--course", dir, "--labs", "01-fixtures/passes")
	var usage *usageError
	require.ErrorAs(t, err, &usage)
	assert.Contains(t, err.Error(), "not a git checkout")
	assert.NotContains(t, err.Error(), "\n")
	out, stderr, err := run(t, ".", "grade", "--course", dir, "--labs", "01-fixtures/passes", "--working-tree")
	require.NoError(t, err)
	assert.Contains(t, stderr, "as it is on disk, not at a pinned commit")
	assert.Contains(t, out, "Total: 5/5")
}

// TestGradeGradescopeWhenGradingFails: with no course, --format
// gradescope still prints a results.json Gradescope accepts, score 0,
// with the reason.
func TestGradeGradescopeWhenGradingFails(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-course")
	gsPath := filepath.Join(t.TempDir(), "results.json")
	out, _, err := run(t, ".", "grade", "--course", missing, "--format", "gradescope", "--out", "gradescope="+gsPath)
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrFailed)
	data, rerr := os.ReadFile(gsPath)
	require.NoError(t, rerr)
	for _, doc := range []string{out, string(data)} {
		var gs struct {
			Score  *float64
			Output string
			Tests  []any
		}
		require.NoError(t, json.Unmarshal([]byte(doc), &gs), doc)
		require.NotNil(t, gs.Score)
		assert.Equal(t, 0.0, *gs.Score)
		assert.NotNil(t, gs.Tests)
		assert.Contains(t, gs.Output, err.Error())
	}
}
