package stage

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goperflabs/labs/internal/course"
)

func fixture(t *testing.T) *course.Course {
	t.Helper()
	c, err := course.Load(filepath.Join("..", "..", "testdata", "course"))
	require.NoError(t, err)
	abs, _ := filepath.Abs(c.Root)
	c.Root = abs
	return c
}

func TestCourseCopiesAndLeavesTheOriginal(t *testing.T) {
	c := fixture(t)
	l, err := c.Lab("01-fixtures/datafile")
	require.NoError(t, err)
	tmp := t.TempDir()
	s, err := Course(c, l, map[string]string{"answer.txt": c.SolutionFile(l, "answer.txt")}, tmp)
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join(s.Course.Dir(l), "answer.txt"))
	require.NoError(t, err)
	assert.Equal(t, "42\n", string(got))
	assert.FileExists(t, filepath.Join(s.Course.Dir(l), "answer_test.go"), "the lab's own files are copied")
	assert.NoFileExists(t, filepath.Join(c.Dir(l), "answer.txt"), "the original course is not written")
	s.Remove()
	assert.NoDirExists(t, s.Course.Root)
}

func TestCourseRefusesAFolderInsideTheCourse(t *testing.T) {
	c := fixture(t)
	l, _ := c.Lab("01-fixtures/datafile")
	_, err := Course(c, l, nil, filepath.Join(c.Root, "01-fixtures"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is inside the course")
}

func TestDataFiles(t *testing.T) {
	got := DataFiles(map[string]string{"main.go": "/a/main.go", "default.pgo": "/a/default.pgo"})
	assert.Equal(t, map[string]string{"default.pgo": "/a/default.pgo"}, got)
}
