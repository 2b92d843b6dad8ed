package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chartCourse is chart's fixture course: one lab that leaks memory and
// goroutines as shipped, with workload = "TestServe".
var chartCourse = filepath.Join("..", "chart", "testdata", "course")

func TestChartNeedsAWorkload(t *testing.T) {
	_, _, err := run(t, fixtureCourse, "chart", "01-fixtures/passes")
	require.Error(t, err)
	assert.Equal(t, `01-fixtures/passes declares no workload to chart: add workload = "TestName" (a test or benchmark of the lab's package) to its [[lab]] in 01-fixtures/labs.toml`, err.Error())
}

func TestChartWritesANewPageEachRun(t *testing.T) {
	dir := gitCopy(t, chartCourse)
	lab := filepath.Join(dir, "01-leaks", "grows")
	before, _ := os.ReadDir(lab)
	page := regexp.MustCompile(`chart of 01-leaks/grows while TestServe runs: (\.perflab/charts/01-leaks-grows/chart-[0-9.-]+\.html)\n`)

	out, _, err := run(t, dir, "chart", "01-leaks/grows")
	require.NoError(t, err)
	assert.Contains(t, out, "your files are the shipped ones: the two lines coincide")
	first := page.FindStringSubmatch(out)
	require.NotNil(t, first, out)

	solution, err := os.ReadFile(filepath.Join(dir, "solutions", "01-leaks", "grows", "server.go"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(lab, "server.go"), solution, 0o644))
	out, _, err = run(t, dir, "chart", "01-leaks/grows")
	require.NoError(t, err)
	assert.NotContains(t, out, "coincide")
	assert.Regexp(t, `goroutines  at the end: yours \d+ goroutines, shipped 4\d\d goroutines`, out)
	second := page.FindStringSubmatch(out)
	require.NotNil(t, second, out)
	assert.NotEqual(t, first[1], second[1], "a new file each run")

	html, err := os.ReadFile(filepath.Join(dir, second[1]))
	require.NoError(t, err)
	assert.Contains(t, string(html), "01-leaks/grows: memory while TestServe runs")
	files, _ := filepath.Glob(filepath.Join(dir, ".perflab", "charts", "01-leaks-grows", "chart-*.html"))
	assert.Len(t, files, 2, "each run keeps its own page")
	after, _ := os.ReadDir(lab)
	assert.Equal(t, len(before), len(after), "nothing is left in the lab's folder")
}

func TestChartSaysWhatDoesNotCompileInOneLine(t *testing.T) {
	dir := gitCopy(t, chartCourse)
	writeFile(t, dir, "01-leaks/grows/server.go", "package grows\n\nfunc (s *Server) Handle(b []byte) { return 1 }\n")
	_, _, err := run(t, dir, "chart", "01-leaks/grows")
	require.Error(t, err)
	assert.Regexp(t, `^chart 01-leaks/grows: yours code does not compile: \S*server\.go:3:\d+: `, err.Error())
	assert.False(t, strings.Contains(err.Error(), "\n"), "one line: %s", err)
}

func TestChartOfAWorkloadThatNeverEnds(t *testing.T) {
	out, _, err := run(t, gitCourse(t), "chart", "01-fixtures/hangs")
	require.NoError(t, err, "the samples up to the lab's time limit are charted")
	assert.Contains(t, out, "yours: the workload hit the lab's time limit and was stopped")
	assert.Contains(t, out, "shipped: the workload hit the lab's time limit")
	assert.Contains(t, out, "chart of 01-fixtures/hangs while TestDrain runs: .perflab/charts/01-fixtures-hangs/chart-")
}
