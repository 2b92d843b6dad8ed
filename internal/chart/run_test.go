package chart

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixture is the leaking lab of testdata/course, absolute.
func fixture(t *testing.T) (root, dir string) {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("testdata", "course"))
	require.NoError(t, err)
	return root, filepath.Join(root, "01-leaks", "grows")
}

// runFixture samples the fixture lab with its solution as "yours" and the
// lab as it is as "shipped".
func runFixture(t *testing.T) []Series {
	t.Helper()
	root, dir := fixture(t)
	fixed := map[string]string{filepath.Join(dir, "server.go"): filepath.Join(root, "solutions", "01-leaks", "grows", "server.go")}
	before, _ := os.ReadDir(dir)
	series, err := Run(context.Background(), Spec{Root: root, Package: "./01-leaks/grows", Dir: dir, Workload: "TestServe",
		Timeout: 60 * time.Second, Work: t.TempDir(), Versions: []Version{{Name: "yours", Replace: fixed}, {Name: "shipped"}}})
	require.NoError(t, err)
	after, _ := os.ReadDir(dir)
	assert.Equal(t, len(before), len(after), "nothing is left in the lab's folder")
	require.Len(t, series, 2)
	return series
}

func TestRunSamplesBothVersions(t *testing.T) {
	series := runFixture(t)
	yours, shipped := series[0], series[1]
	assert.False(t, yours.Failed, "the solution passes")
	assert.True(t, shipped.Failed, "the shipped code fails its test, and is sampled all the same")
	require.Greater(t, len(yours.Samples), 5)
	require.Greater(t, len(shipped.Samples), 5)
	live, goroutines := Metrics[0], Metrics[2]
	assert.Greater(t, live.Last(shipped), 8*float64(1<<20), "the shipped code keeps every 64 KiB body")
	assert.Less(t, live.Last(yours), 8*float64(1<<20))
	assert.Greater(t, goroutines.Last(shipped), goroutines.Last(yours)+100, "and a goroutine per request")
}

func TestBrowserDrawsASampledLab(t *testing.T) {
	chromium(t)
	p := Page{Lab: "01-leaks/grows", Workload: "TestServe", Series: runFixture(t), Taken: time.Now()}
	page := writePage(t, p)
	png := filepath.Join(t.TempDir(), "lab.png")
	if dir := os.Getenv("PERFLAB_CHART_SHOTS"); dir != "" {
		png = filepath.Join(dir, "lab.png")
	}
	screenshot(t, page, png)
	checkDrawn(t, dumpDOM(t, page), "yours", "shipped")
}

func TestRunSaysWhatDoesNotBuild(t *testing.T) {
	root, dir := fixture(t)
	broken := filepath.Join(t.TempDir(), "server.go")
	require.NoError(t, os.WriteFile(broken, []byte("package grows\n\nfunc (s *Server) Handle(b []byte) { return 1 }\n"), 0o644))
	_, err := Run(context.Background(), Spec{Root: root, Package: "./01-leaks/grows", Dir: dir, Workload: "TestServe", Work: t.TempDir(),
		Versions: []Version{{Name: "yours", Replace: map[string]string{filepath.Join(dir, "server.go"): broken}}}})
	require.Error(t, err)
	assert.Regexp(t, `^yours code does not compile: \S+server\.go:3:\d+: `, err.Error())
	assert.NotContains(t, err.Error(), "\n", "one line")
}

func TestRunNamesAMissingWorkload(t *testing.T) {
	root, dir := fixture(t)
	_, err := Run(context.Background(), Spec{Root: root, Package: "./01-leaks/grows", Dir: dir, Workload: "TestNothing", Work: t.TempDir(),
		Versions: []Version{{Name: "yours"}}})
	require.ErrorIs(t, err, ErrNoWorkload)
}
