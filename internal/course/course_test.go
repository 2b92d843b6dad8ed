package course

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fixture(t *testing.T) *Course {
	t.Helper()
	c, err := Find(filepath.Join("..", "..", "testdata", "course", "01-fixtures", "fails"))
	require.NoError(t, err, "Find walks up from a lab folder to the course root")
	return c
}

func TestResolve(t *testing.T) {
	c := fixture(t)
	ids := func(targets ...string) []string {
		labs, err := c.Resolve(targets)
		require.NoError(t, err)
		var out []string
		for _, l := range labs {
			out = append(out, l.ID())
		}
		return out
	}
	assert.Len(t, ids(), 8, "no target means every lab")
	assert.Equal(t, ids("all"), ids())
	assert.Equal(t, ids("01-fixtures"), ids())
	assert.Equal(t, []string{"01-fixtures/fails"}, ids("01-fixtures/fails"))
	assert.Equal(t, []string{"01-fixtures/fails"}, ids("./01-fixtures/fails/"), "shell completion adds ./ and /")
	assert.Equal(t, []string{"01-fixtures/fails"}, ids("fails"), "a lab's name alone, when no other lab has it")
	assert.Equal(t, []string{"01-fixtures/passes", "01-fixtures/fails"}, ids("01-fixtures/fails", "01-fixtures/passes", "01-fixtures/fails"),
		"teaching order, no repeats")
}

func TestUnknownTargetSuggestsClosest(t *testing.T) {
	c := fixture(t)
	for target, want := range map[string]string{
		"01-fixtures/hang":  "did you mean 01-fixtures/hangs",
		"panic":             "did you mean 01-fixtures/panics",
		"01-fixture":        "did you mean 01-fixtures",
		"zzzzzzzzzzzzzzzzz": "run `go run ./cmd/perflab list` to see them all",
	} {
		_, err := c.Resolve([]string{target})
		require.Error(t, err, target)
		assert.Contains(t, err.Error(), want, target)
	}
}

func TestFindOutsideACourse(t *testing.T) {
	_, err := Find(t.TempDir())
	assert.ErrorIs(t, err, ErrNoCourse)
}
