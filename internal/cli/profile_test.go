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

func TestProfileKeepsEachProfileAndDiffsWithThePrevious(t *testing.T) {
	dir := copyCourse(t)
	lab := filepath.Join(dir, "01-fixtures", "fails")
	before, _ := os.ReadDir(lab)

	out, _, err := run(t, dir, "profile", "--allocs", "--base", "--svg", "flame.svg", "01-fixtures/fails")
	require.NoError(t, err)
	assert.Contains(t, out, "some tests failed", "the lab fails as shipped, and still gets a profile")
	assert.Contains(t, out, "allocs profile of 01-fixtures/fails's tests: .perflab/profiles/01-fixtures-fails/allocs-")
	assert.Contains(t, out, "top 10 by flat")
	assert.Contains(t, out, "top 10 by cum")
	assert.Contains(t, out, "no earlier allocs profile of 01-fixtures/fails")
	assert.Regexp(t, regexp.MustCompile(`go tool pprof -http=127\.0\.0\.1:[1-9][0-9]* \.perflab/profiles/01-fixtures-fails/allocs-[0-9.-]+\.pprof`), out)
	svg, err := os.ReadFile(filepath.Join(dir, "flame.svg"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(svg), "<?xml") && strings.Contains(string(svg), "<svg xmlns="), "flame.svg:\n%.300s", svg)

	out, _, err = run(t, dir, "profile", "--allocs", "--base", "01-fixtures/fails")
	require.NoError(t, err)
	assert.Contains(t, out, "change since .perflab/profiles/01-fixtures-fails/allocs-")
	assert.Contains(t, out, "-diff_base=.perflab/profiles/01-fixtures-fails/allocs-")
	files, _ := filepath.Glob(filepath.Join(dir, ".perflab", "profiles", "01-fixtures-fails", "allocs-*.pprof"))
	assert.Len(t, files, 2, "each run keeps its own profile")

	after, _ := os.ReadDir(lab)
	assert.Equal(t, len(before), len(after), "nothing is left in the lab's folder")
}

func TestProfileTakesOneKind(t *testing.T) {
	_, _, err := run(t, fixtureCourse, "profile", "--heap", "--cpu", "01-fixtures/passes")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "one kind of profile at a time")
}
