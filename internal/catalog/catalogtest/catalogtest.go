// Package catalogtest opens product catalogues for tests, the way
// net/http/httptest starts servers for them.
package catalogtest

import (
	"context"
	"testing"

	"github.com/goperflabs/labs/internal/catalog"
)

// Open returns a fresh catalogue with products 1..n in a temporary folder
// of t, closed when the test ends. It stops the test if the catalogue
// cannot be made.
func Open(t testing.TB, n int) *catalog.DB {
	t.Helper()
	db, err := catalog.Open(context.Background(), t.TempDir(), n)
	if err != nil {
		t.Fatalf("opening the catalogue: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
