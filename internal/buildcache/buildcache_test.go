package buildcache

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestStaleDepsSeesAnEmptyCache(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles with an empty build cache")
	}
	root, _ := filepath.Abs("../..")
	warm, err := StaleDeps(context.Background(), root, "./internal/figure")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOCACHE", t.TempDir())
	t.Setenv("GOFLAGS", os.Getenv("GOFLAGS"))
	cold, err := StaleDeps(context.Background(), root, "./internal/redisguard")
	if err != nil {
		t.Fatal(err)
	}
	if len(cold) == 0 {
		t.Errorf("with an empty GOCACHE, no dependency of redisguard is stale")
	}
	t.Logf("warm: %d stale, cold: %d stale (%v…)", len(warm), len(cold), cold[:min(3, len(cold))])
}
