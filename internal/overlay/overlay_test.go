package overlay

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "o.json")
	from, to := filepath.Join(dir, "a.go"), filepath.Join(dir, "b.go")
	if err := Write(path, map[string]string{from: to}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	var got struct{ Replace map[string]string }
	if err := json.Unmarshal(data, &got); err != nil || got.Replace[from] != to {
		t.Fatalf("overlay file %s: %v", data, err)
	}
	if err := Write(path, map[string]string{"a.go": to}); err == nil {
		t.Fatal("a relative path was accepted; go would ignore it silently")
	}
}
