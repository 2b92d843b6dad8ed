package grade

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"

	"github.com/goperflabs/labs/internal/manifest"
)

// canaryFile is the test file grade adds to a lab's package (by overlay)
// for each run.
const canaryFile = "zz_perflab_grade_canary_test.go"

// canaryKey is the t.Attr key the canary test reports its token under.
const canaryKey = "perflab.grade.canary"

// canary is one run's planted test: a test whose name and token are new
// for every run, so that a binary which prints a forged report (an init
// that writes "--- PASS" lines and exits) cannot name it without reading
// its own symbol table.
type canary struct {
	Test  string
	Token string
	Path  string // the file written
}

// plantCanary writes a canary test for lab l into dir, in the package of
// the lab's test files.
func plantCanary(c *Course, l manifest.Lab, dir string) (canary, error) {
	pkg, err := testPackage(c.Dir(l))
	if err != nil {
		return canary{}, err
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return canary{}, fmt.Errorf("making a canary: %w", err)
	}
	h := hex.EncodeToString(b)
	cn := canary{Test: "TestPerflabGrade" + h[:16], Token: h[16:]}
	src := fmt.Sprintf(`package %s

import "testing"

func %s(t *testing.T) { t.Attr(%q, %q) }
`, pkg, cn.Test, canaryKey, cn.Token)
	f, err := os.CreateTemp(dir, "canary-*_test.go")
	if err != nil {
		return canary{}, fmt.Errorf("writing a canary: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteString(src); err != nil {
		return canary{}, fmt.Errorf("writing a canary: %w", err)
	}
	cn.Path = f.Name()
	return cn, nil
}

// testPackage is the package clause of the lab's first test file.
func testPackage(dir string) (string, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
	for _, f := range files {
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.PackageClauseOnly)
		if err == nil {
			return af.Name.Name, nil
		}
	}
	return "", fmt.Errorf("no test file in %s", strings.TrimPrefix(dir, "/"))
}
