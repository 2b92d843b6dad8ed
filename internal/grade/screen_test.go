package grade

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestScreen runs the edit-file screen, through screenFile (baseline: the
// shipped file and the course copy's solution, neither of which imports
// anything), on variants of the sum lab's solution: the wrong ones must be
// rejected with their reason, and the correct ones, in styles unlike the
// reference, must pass. The rules one by one are tested in
// internal/screen.
func TestScreen(t *testing.T) {
	cases := []struct {
		name, src, want string // want "" means no problem
	}{
		{"solution", solvedSum, ""},
		{"alt-strings-and-sync", "package sum\n\nimport (\n\t\"slices\"\n\t\"sync\"\n)\n\nvar mu sync.Mutex\n\nfunc Sum(xs []int) (t int) {\n\tmu.Lock()\n\tdefer mu.Unlock()\n\tfor x := range slices.Values(xs) {\n\t\tt += x\n\t}\n\treturn t\n}\n", ""},
		{"reads-home", "package sum\n\nimport \"os\"\n\nvar _ = os.Getenv(\"HOME\")\n\n" + body, `imports "os": edit files may import only what the lab's shipped and solution files import`},
		{"package", strings.Replace(solvedSum, "package sum", "package main", 1), "keep it package sum"},
		{"build-constraint", "//go:build !race\n\n" + solvedSum, `adds the build constraint "//go:build !race"`},
		{"testing", "package sum\n\nimport \"testing\"\n\nvar _ = testing.Testing\n\n" + body, `imports "testing"`},
		{"testing-quick", "package sum\n\nimport _ \"testing/quick\"\n\n" + body, `imports "testing/quick"`},
		{"testkit", "package sum\n\nimport _ \"github.com/goperflabs/labs/internal/testkit\"\n\n" + body, `imports "github.com/goperflabs/labs/internal/testkit": edit files may import only`},
		{"unsafe", "package sum\n\nimport _ \"unsafe\"\n\n" + body, `imports "unsafe": edit files may import only`},
		{"linkname", "package sum\n\n//go:linkname testing testing.Testing\nfunc testing() bool\n\n" + body, "uses //go:linkname"},
		{"build-info", "package sum\n\nimport _ \"runtime/debug\"\n\n" + body, `imports "runtime/debug"`},
		{"os-args", "package sum\n\nimport \"os\"\n\nvar _ = os.Args\n\n" + body, `imports "os"`},
		{"flag-lookup", "package sum\n\nimport \"flag\"\n\nvar _ = flag.Lookup(\"test.v\")\n\n" + body, `imports "flag"`},
		{"stack", "package sum\n\nimport \"runtime\"\n\nvar _ = runtime.Callers\n\n" + body, `imports "runtime"`},
		{"proc-self", "package sum\n\nconst self = \"/proc/\" + \"self\"\n\n" + body, "names /proc"},
		{"numcpu", "package sum\n\nimport \"runtime\"\n\nvar _ = runtime.NumCPU()\n\n" + body, `imports "runtime"`},
		{"env", "package sum\n\nimport \"os\"\n\nvar _ = os.Getenv(\"PERFLAB_REDIS_URL\")\n\n" + body, `imports "os"`},
		{"env-const", "package sum\n\nimport \"os\"\n\nconst k = \"PERFLAB_\" + \"X\"\n\nvar _, _ = os.LookupEnv(k)\n\n" + body, `imports "os"`},
		{"env-computed", "package sum\n\nimport (\n\t\"os\"\n\t\"strings\"\n)\n\nvar _ = os.Getenv(strings.ToUpper(\"perflab_x\"))\n\n" + body, `imports "os"`},
		{"env-all", "package sum\n\nimport \"os\"\n\nvar _ = os.Environ()\n\n" + body, `imports "os"`},
		{"env-value", "package sum\n\nimport \"os\"\n\nvar get = os.Getenv\n\n" + body, `imports "os"`},
		{"module", "package sum\n\nimport _ \"example.com/evil/pass\"\n\n" + body, `from a module that is not in the course's go.mod`},
	}
	l, err := fixture.course.Lab("02-fixtures/sum")
	if err != nil {
		t.Fatal(err)
	}
	g := NewGrader(fixture.course)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sum.go")
			if err := os.WriteFile(path, []byte(c.src), 0o644); err != nil {
				t.Fatal(err)
			}
			probs, err := g.screenFile(context.Background(), l, "sum.go", path)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case c.want == "" && len(probs) > 0:
				t.Errorf("rejected a correct fix: %v", probs)
			case c.want != "" && (len(probs) == 0 || !strings.Contains(probs[0].Msg, c.want)):
				t.Errorf("problems %v, want one saying %q", probs, c.want)
			}
		})
	}
}

// TestScreenLetsTestFilesImportTesting: a lab whose edit file is a
// _test.go file (the learner fixes a benchmark) may import testing, and
// may declare benchmarks but not tests.
func TestScreenLetsTestFilesImportTesting(t *testing.T) {
	l, err := fixture.course.Lab("02-fixtures/sum")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bench := filepath.Join(dir, "bench_test.go")
	src := "package sum\n\nimport \"testing\"\n\nfunc BenchmarkSum(b *testing.B) {\n\tfor b.Loop() {\n\t\tSum([]int{1})\n\t}\n}\n"
	if err := os.WriteFile(bench, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	s := NewGrader(fixture.course).screen
	probs, err := s.File(context.Background(), l, fixture.course.Dir(l), "bench_test.go", bench, bench)
	if err != nil || len(probs) > 0 {
		t.Errorf("a benchmark: %v, %v; want no problem", probs, err)
	}
	test := filepath.Join(fixture.course.Dir(l), "sum_test.go")
	probs, err = s.File(context.Background(), l, fixture.course.Dir(l), "sum_test.go", test, test)
	if err != nil || len(probs) == 0 || !strings.Contains(probs[0].Msg, "declares TestSum, a test") {
		t.Errorf("sum_test.go: %v, %v; want its tests refused", probs, err)
	}
}

const body = "func Sum(xs []int) int {\n\tt := 0\n\tfor _, x := range xs {\n\t\tt += x\n\t}\n\treturn t\n}\n"
