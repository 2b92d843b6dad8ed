package grade

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestScreen runs each rule of the edit-file screen on a variant of the
// sum lab's solution: the wrong ones must be rejected with their reason,
// and the correct ones, in styles unlike the reference, must pass.
func TestScreen(t *testing.T) {
	cases := []struct {
		name, src, want string // want "" means no problem
	}{
		{"solution", solvedSum, ""},
		{"alt-strings-and-sync", "package sum\n\nimport (\n\t\"slices\"\n\t\"sync\"\n)\n\nvar mu sync.Mutex\n\nfunc Sum(xs []int) (t int) {\n\tmu.Lock()\n\tdefer mu.Unlock()\n\tfor x := range slices.Values(xs) {\n\t\tt += x\n\t}\n\treturn t\n}\n", ""},
		{"alt-reads-home", "package sum\n\nimport \"os\"\n\nvar _ = os.Getenv(\"HOME\")\n\n" + body, ""},
		{"package", strings.Replace(solvedSum, "package sum", "package main", 1), "it must stay package sum"},
		{"build-constraint", "//go:build !race\n\n" + solvedSum, `adds the build constraint "//go:build !race"`},
		{"testing", "package sum\n\nimport \"testing\"\n\nvar _ = testing.Testing\n\n" + body, `imports "testing"`},
		{"testing-quick", "package sum\n\nimport _ \"testing/quick\"\n\n" + body, `imports "testing/quick"`},
		{"testkit", "package sum\n\nimport _ \"github.com/goperflabs/labs/internal/testkit\"\n\n" + body, `which imports "testing"`},
		{"unsafe", "package sum\n\nimport _ \"unsafe\"\n\n" + body, `imports "unsafe", which the shipped file does not`},
		{"linkname", "package sum\n\nimport _ \"unsafe\"\n\n//go:linkname testing testing.Testing\nfunc testing() bool\n\n" + body, "uses //go:linkname"},
		{"build-info", "package sum\n\nimport _ \"runtime/debug\"\n\n" + body, `imports "runtime/debug"`},
		{"os-args", "package sum\n\nimport \"os\"\n\nvar _ = os.Args\n\n" + body, "uses os.Args"},
		{"flag-lookup", "package sum\n\nimport \"flag\"\n\nvar _ = flag.Lookup(\"test.v\")\n\n" + body, "uses flag.Lookup"},
		{"stack", "package sum\n\nimport \"runtime\"\n\nvar _ = runtime.Callers\n\n" + body, "uses runtime.Callers"},
		{"proc-self", "package sum\n\nimport \"os\"\n\nvar _, _ = os.ReadFile(\"/proc/self/cmdline\")\n\n" + body, "reads /proc/self"},
		{"alt-runtime-gc", "package sum\n\nimport \"runtime\"\n\nvar _ = runtime.NumCPU()\n\n" + body, ""},
		{"env", "package sum\n\nimport \"os\"\n\nvar _ = os.Getenv(\"PERFLAB_REDIS_URL\")\n\n" + body, "reads the environment variable PERFLAB_REDIS_URL"},
		{"env-const", "package sum\n\nimport \"os\"\n\nconst k = \"PERFLAB_\" + \"X\"\n\nvar _, _ = os.LookupEnv(k)\n\n" + body, "reads the environment variable PERFLAB_X"},
		{"env-computed", "package sum\n\nimport (\n\t\"os\"\n\t\"strings\"\n)\n\nvar _ = os.Getenv(strings.ToUpper(\"perflab_x\"))\n\n" + body, "calls os.Getenv where the shipped file does not"},
		{"env-all", "package sum\n\nimport \"os\"\n\nvar _ = os.Environ()\n\n" + body, "calls os.Environ where the shipped file does not"},
		{"env-value", "package sum\n\nimport \"os\"\n\nvar get = os.Getenv\n\n" + body, "calls os.Getenv where the shipped file does not"},
		{"module", "package sum\n\nimport _ \"example.com/evil/pass\"\n\n" + body, `from a module that is not in the course's go.mod`},
	}
	l, err := fixture.course.Lab("02-fixtures/sum")
	if err != nil {
		t.Fatal(err)
	}
	s := NewGrader(fixture.course).screen
	shipped := filepath.Join(fixture.course.Dir(l), "sum.go")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sum.go")
			if err := os.WriteFile(path, []byte(c.src), 0o644); err != nil {
				t.Fatal(err)
			}
			probs, err := s.File(context.Background(), l, fixture.course.Dir(l), "sum.go", path, shipped)
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
// _test.go file (the learner fixes a benchmark) may import testing.
func TestScreenLetsTestFilesImportTesting(t *testing.T) {
	l, err := fixture.course.Lab("02-fixtures/sum")
	if err != nil {
		t.Fatal(err)
	}
	test := filepath.Join(fixture.course.Dir(l), "sum_test.go")
	probs, err := NewGrader(fixture.course).screen.File(context.Background(), l, fixture.course.Dir(l), "sum_test.go", test, test)
	if err != nil || len(probs) > 0 {
		t.Errorf("sum_test.go: %v, %v; want no problem", probs, err)
	}
}

const body = "func Sum(xs []int) int {\n\tt := 0\n\tfor _, x := range xs {\n\t\tt += x\n\t}\n\treturn t\n}\n"
