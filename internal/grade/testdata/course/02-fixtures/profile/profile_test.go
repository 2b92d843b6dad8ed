package profile

import (
	"compress/gzip"
	"io"
	"os"
	"strings"
	"testing"
)

func TestProfile(t *testing.T) {
	f, err := os.Open("default.pgo")
	if err != nil {
		t.Fatalf("no default.pgo: %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("default.pgo is not gzipped: %v", err)
	}
	data, err := io.ReadAll(zr)
	if err != nil || strings.TrimSpace(string(data)) != Hot {
		t.Fatalf("default.pgo holds %q (%v), want %q", data, err, Hot)
	}
}
