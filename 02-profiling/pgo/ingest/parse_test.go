package ingest

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSample(t *testing.T) {
	s, err := parseSample([]byte("api.latency:12.5|ms|@0.5|#route:/cart,,code:200"))
	require.NoError(t, err)
	assert.Equal(t, "api.latency", string(s.Name))
	assert.Equal(t, 12.5, s.Value)
	assert.Equal(t, Timer, s.Kind)
	assert.Equal(t, 0.5, s.Rate)
	require.Equal(t, 2, s.NTags)
	assert.Equal(t, "route:/cart", string(s.Tags[0]))
	assert.Equal(t, "code:200", string(s.Tags[1]))

	s, err = parseSample([]byte("cart.items:3|c"))
	require.NoError(t, err)
	assert.Equal(t, Counter, s.Kind)
	assert.Equal(t, 1.0, s.Rate)
	assert.Zero(t, s.NTags)

	s, err = parseSample([]byte("q:1|g|#a,b,c,d,e,f"))
	require.NoError(t, err)
	assert.Equal(t, maxTags, s.NTags, "tags past the fourth are dropped")

	for _, bad := range []string{
		"", "nocolon", ":1|c", "1abc:1|c", "a b:1|c", "a:x|c", "a:1|h", "a:1", "a:1|c|@0", "a:1|c|@2", "a:1|c|oops", "a:1|c|@",
	} {
		_, err := parseSample([]byte(bad))
		assert.True(t, errors.Is(err, ErrBadLine), "parseSample(%q) = %v, want ErrBadLine", bad, err)
	}
}

func TestAggregate(t *testing.T) {
	a := NewAggregator()
	lines, bad := a.Ingest([]byte("hits:2|c|@0.5|#r:/\nhits:1|c|#r:/\n\nq:5|g\nq:7|g\nlat:10|ms\nlat:30|ms\nbroken\n"))
	assert.Equal(t, 7, lines)
	assert.Equal(t, 1, bad)
	points, lines, bad := a.Flush()
	assert.Equal(t, 7, lines)
	assert.Equal(t, 1, bad)
	assert.Equal(t, []Point{
		{Key: "hits#r:/", Kind: Counter, Count: 2, Value: 5},
		{Key: "lat", Kind: Timer, Count: 2, Value: 20, Min: 10, Max: 30},
		{Key: "q", Kind: Gauge, Count: 2, Value: 7},
	}, points)
	points, lines, _ = a.Flush()
	assert.Empty(t, points, "a flush starts a new interval")
	assert.Zero(t, lines)
}

func TestSampleBatch(t *testing.T) {
	b := SampleBatch(2000, 3)
	assert.Equal(t, 2000, bytes.Count(b, []byte("\n")))
	assert.Equal(t, b, SampleBatch(2000, 3), "same seed, same batch")
	a := NewAggregator()
	lines, bad := a.Ingest(b)
	assert.Equal(t, 2000, lines)
	assert.Greater(t, bad, 0, "some lines are malformed")
	assert.Less(t, bad, 100)
}
