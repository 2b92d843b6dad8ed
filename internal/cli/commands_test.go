package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHintAllRepeatsWhatWasShown(t *testing.T) {
	dir := copyCourse(t)
	out, _, err := run(t, dir, "hint", "--all", "01-fixtures/fails")
	require.NoError(t, err)
	assert.Contains(t, out, "no hint of 01-fixtures/fails shown yet")
	for range 2 {
		_, _, err = run(t, dir, "hint", "01-fixtures/fails")
		require.NoError(t, err)
	}
	out, _, err = run(t, dir, "hint", "--all", "01-fixtures/fails")
	require.NoError(t, err)
	assert.Contains(t, out, "hint 1 of 3: look at the loop bounds")
	assert.Contains(t, out, "hint 2 of 3: the loop skips the last element")
	assert.NotContains(t, out, "hint 3 of 3", "--all gives no new hint")
}

func TestCommandHelp(t *testing.T) {
	for _, cmd := range []string{"hint", "check", "verify", "restore", "watch", "profile", "bench", "chart"} {
		out, _, err := run(t, fixtureCourse, cmd, "--help")
		require.NoError(t, err, cmd)
		assert.True(t, strings.HasPrefix(out, "Usage: go run ./cmd/perflab "+cmd), "%s --help:\n%s", cmd, out)
	}
}

func TestResetThenRestoreUndoesIt(t *testing.T) {
	dir := gitCourse(t)
	mine := filepath.Join(dir, "01-fixtures", "fails", "sum.go")
	require.NoError(t, os.WriteFile(mine, []byte("package fails // my attempt\n"), 0o644))
	out, _, err := run(t, dir, "reset", "01-fixtures/fails")
	require.NoError(t, err)
	require.Contains(t, out, "to undo: go run ./cmd/perflab restore 01-fixtures/fails ")

	out, _, err = run(t, dir, "restore", "01-fixtures/fails")
	require.NoError(t, err, out)
	now, _ := os.ReadFile(mine)
	assert.Equal(t, "package fails // my attempt\n", string(now), "restore puts the learner's file back")
	assert.Contains(t, out, "to undo: go run ./cmd/perflab restore 01-fixtures/fails ", "the shipped file it replaced is backed up too")

	_, _, err = run(t, dir, "restore", "01-fixtures/fails", "19990101-000000.000")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no backup 19990101-000000.000 of 01-fixtures/fails")
	_, _, err = run(t, dir, "restore", "01-fixtures/passes")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no backup of 01-fixtures/passes")
}

func TestCheckInsideALabFolderChecksThatLab(t *testing.T) {
	out, _, err := run(t, filepath.Join(fixtureCourse, "01-fixtures", "passes"), "check")
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(out, "01-fixtures/"), "only the lab of the folder is checked:\n%s", out)
	assert.Contains(t, out, "✓ 01-fixtures/passes")
}

func TestRealRedisWithForeignKeysIsRefusedBeforeAnyTest(t *testing.T) {
	m := miniredis.RunT(t)
	m.Set("orders:42", "someone else's data")
	url := "redis://" + m.Addr() + "/0"
	for range 2 { // the second run must not come from a cache
		out, _, err := run(t, fixtureCourse, "--redis", url, "check", "01-fixtures/passes")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "Redis at "+url+` holds keys the course did not create (such as "orders:42")`)
		assert.Contains(t, err.Error(), "PERFLAB_REDIS_ALLOW_SHARED=1")
		assert.Empty(t, out, "no lab ran")
	}
	m.Del("orders:42")
	m.Set("perflab:test:abc:product:1", "left by a course test")
	_, _, err := run(t, fixtureCourse, "--redis", url, "check", "01-fixtures/passes")
	require.NoError(t, err, "keys the course made are not foreign")
}

func TestDoctorNamesWhatIsMissing(t *testing.T) {
	out, _, err := run(t, fixtureCourse, "doctor")
	if err != nil {
		require.ErrorIs(t, err, ErrFailed)
	}
	for _, what := range []string{"go ", "git ", "dot ", "redis-server ", "/proc ", "build cache "} {
		assert.Contains(t, out, what)
	}
	if !strings.Contains(out, "✓ dot") {
		assert.Contains(t, out, "apt install graphviz")
	}
}
