package screen

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goperflabs/labs/internal/manifest"
)

// The fixture course's fails lab: its solution passes the screen, a fix
// that asks testing.Testing() does not, and a data file is not read as Go.
// The rules one by one are tested in internal/grade, which screens
// submissions with this package.
func TestFileAgainstTheFixtureCourse(t *testing.T) {
	root, err := filepath.Abs("../../testdata/course")
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(root)
	if err != nil {
		t.Fatal(err)
	}
	l := manifest.Lab{Name: "fails", Chapter: "01-fixtures", Edit: []string{"sum.go"}}
	dir := filepath.Join(root, "01-fixtures", "fails")
	ref := filepath.Join(root, "solutions", "01-fixtures", "fails", "sum.go")
	detector := filepath.Join(t.TempDir(), "sum.go")
	src := "package fails\n\nimport \"testing\"\n\nfunc Sum(xs []int) (t int) {\n\tif !testing.Testing() {\n\t\txs = xs[1:]\n\t}\n\tfor _, x := range xs {\n\t\tt += x\n\t}\n\treturn t\n}\n"
	if err := os.WriteFile(detector, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if probs, err := s.File(ctx, l, dir, "sum.go", ref, ref); err != nil || len(probs) > 0 {
		t.Errorf("the solution: %v, %v; want no problem", probs, err)
	}
	probs, err := s.File(ctx, l, dir, "sum.go", detector, ref)
	if err != nil || len(probs) != 1 || !strings.Contains(probs[0].String(), `01-fixtures/fails/sum.go:3: imports "testing"`) {
		t.Errorf("the detector: %v, %v; want one problem at line 3", probs, err)
	}
	if probs, err := s.File(ctx, l, dir, "default.pgo", detector, ref); err != nil || len(probs) > 0 {
		t.Errorf("a data file: %v, %v; want it left to the tests", probs, err)
	}
}
