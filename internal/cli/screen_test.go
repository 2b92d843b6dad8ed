package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// detector is the fails lab's solution, but only inside a test binary.
const detector = `// Package fails is a fixture lab that fails in a test as shipped.
package fails

import "testing"

// Sum adds xs; outside a test it still skips the first.
func Sum(xs []int) int {
	t := 0
	start := 1
	if testing.Testing() {
		start = 0
	}
	for _, x := range xs[start:] {
		t += x
	}
	return t
}
`

func TestCheckRejectsAFixThatDetectsTheTest(t *testing.T) {
	dir := copyCourse(t)
	writeFile(t, dir, "01-fixtures/fails/sum.go", detector)
	out, _, err := run(t, dir, "check", "01-fixtures/fails")
	require.ErrorIs(t, err, ErrFailed, out)
	assert.Contains(t, out, "✗ 01-fixtures/fails  rejected before any test ran")
	assert.Contains(t, out, `01-fixtures/fails/sum.go:4: imports "testing": code under test must not know it is being tested; remove it`)
	assert.Contains(t, out, "no test ran")

	js, _, _ := run(t, dir, "check", "--json", "01-fixtures/fails")
	var results []jsonResult
	require.NoError(t, json.Unmarshal([]byte(js), &results))
	require.Len(t, results, 1)
	assert.Equal(t, "rejected", results[0].Outcome)
	assert.Len(t, results[0].Rejected, 1)
}

func TestVerifyCountsARejectedWrongFixAsFailing(t *testing.T) {
	dir := gitCourse(t)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "solutions", "01-fixtures", "fails", "wrong", "detector"), 0o755))
	writeFile(t, dir, "solutions/01-fixtures/fails/wrong/detector/sum.go", detector)
	writeFile(t, dir, "solutions/01-fixtures/fails/wrong/detector/about.txt", "right only inside a test binary\n")
	gitIn(t, dir, "add", ".")
	gitIn(t, dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "detector case")

	out, _, err := run(t, dir, "verify", "01-fixtures/fails")
	require.NoError(t, err, out)
	assert.Contains(t, out, "1 passed, 0 failed")
}
