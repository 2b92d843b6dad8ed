package bench

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func overlayFile(t *testing.T, replace map[string]string) string {
	t.Helper()
	data, _ := json.Marshal(struct{ Replace map[string]string }{replace})
	path := filepath.Join(t.TempDir(), "overlay.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func run(t *testing.T, base Version) Comparison {
	t.Helper()
	root, _ := filepath.Abs("testdata/mod")
	c, err := Run(context.Background(), Spec{
		Root: root, Package: "./work", Base: base, Head: Version{Name: "yours"},
		Rounds: 6, Benchtime: "20ms", Work: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func row(t *testing.T, c Comparison, unit string) Row {
	t.Helper()
	for _, r := range c.Rows {
		if r.Unit == unit {
			return r
		}
	}
	t.Fatalf("no %s row in %+v", unit, c.Rows)
	return Row{}
}

func TestATenfoldGapIsSignificantAndPointsTheRightWay(t *testing.T) {
	slow, _ := filepath.Abs("testdata/slow/work.go")
	fast, _ := filepath.Abs("testdata/mod/work/work.go")
	c := run(t, Version{Name: "shipped", Overlay: overlayFile(t, map[string]string{fast: slow})})
	for _, unit := range []string{"sec/op", "allocs/op"} {
		r := row(t, c, unit)
		if !r.Significant() {
			t.Errorf("%s: p = %.3f, want significant", unit, r.Comparison.P)
		}
		if r.Head.Center >= r.Base.Center {
			t.Errorf("%s: yours %g ≥ shipped %g, want less", unit, r.Head.Center, r.Base.Center)
		}
		if !strings.HasPrefix(r.Delta(), "-") {
			t.Errorf("%s: delta %q, want a fall", unit, r.Delta())
		}
	}
	var b strings.Builder
	c.WriteTable(&b)
	if !strings.Contains(b.String(), "Sum") || !strings.Contains(b.String(), "(p=") {
		t.Errorf("table:\n%s", b.String())
	}
}

func TestNoRealDifferencePrintsTilde(t *testing.T) {
	c := run(t, Version{Name: "shipped"})
	// Allocations (and a custom metric that never moves) have no noise
	// here; times do, so a same-code comparison of sec/op, which is
	// "significant" 1 time in 20 by chance, is not asserted.
	for _, unit := range []string{"allocs/op", "B/op", "widgets/op"} {
		if d := row(t, c, unit).Delta(); d != "~" {
			t.Errorf("%s: delta %q, want ~", unit, d)
		}
	}
}

func TestNoBenchmarkIsOneClearError(t *testing.T) {
	root, _ := filepath.Abs("testdata/mod")
	_, err := Run(context.Background(), Spec{Root: root, Package: "./work", Bench: "NoSuch", Base: Version{Name: "a"}, Head: Version{Name: "b"}, Rounds: 1, Work: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "no benchmark") {
		t.Fatalf("err = %v, want no benchmark", err)
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct {
		unit string
		v    float64
		want string
	}{{"sec/op", 0.00134, "1.34ms"}, {"sec/op", 13.1e-6, "13.1µs"}, {"B/op", 9420, "9.199KiB"}, {"allocs/op", 3, "3"}, {"allocs/op", 285937, "285.9k"}, {"sec/line", 0.000116, "116µs"}} {
		if got := Format(c.unit, c.v); got != c.want {
			t.Errorf("Format(%s, %g) = %q, want %q", c.unit, c.v, got, c.want)
		}
	}
}
