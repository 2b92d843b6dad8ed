package store

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReserveNeverReusesAName(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "charts", "01-memory-retention")
	now := time.Date(2026, 12, 2, 14, 30, 0, 123e6, time.UTC)
	var got []string
	for range 3 {
		p, err := Reserve(dir, "chart", ".html", now)
		require.NoError(t, err)
		got = append(got, filepath.Base(p))
	}
	assert.Equal(t, []string{"chart-20261202-143000.123.html", "chart-20261202-143000.123-2.html", "chart-20261202-143000.123-3.html"}, got)
}
