package screen

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goperflabs/labs/internal/manifest"
)

// The baseline of the rule tests: a shipped file that reads HOME, a file,
// logs and counts goroutines, and a solution that labels with pprof and
// reads the lab's PERFLAB_FD under a constant.
const (
	shippedSrc = `package lab

import (
	"log"
	"os"
	"runtime"
)

func Run() {
	_ = os.Getenv("HOME")
	_, _ = os.ReadFile("data")
	log.Printf("%d", runtime.NumGoroutine())
}
`
	solutionSrc = `package lab

import (
	"context"
	"os"
	"runtime/pprof"
)

const fdEnv = "PERFLAB_FD"

func Run() {
	_ = os.Getenv(fdEnv)
	_, _ = os.ReadFile("data")
	pprof.Do(context.Background(), pprof.Labels("a", "b"), func(context.Context) {})
}
`
)

// TestRules runs each rule on a variant of the lab: each way of telling a
// test from a program is rejected with its reason (want), each correct
// fix passes (want "").
func TestRules(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"shipped", shippedSrc, ""},
		{"solution", solutionSrc, ""},
		{"pure-imports", "package lab\n\nimport (\n\t\"container/heap\"\n\t\"strings\"\n\t\"unique\"\n)\n\nvar _ = strings.ToUpper\nvar _ heap.Interface\nvar _ = unique.Make[string]\n", ""},
		{"own-constant-name", "package lab\n\nimport \"os\"\n\nconst inherited = \"PERFLAB_\" + \"FD\"\n\nvar _ = os.Getenv(inherited)\n", ""},
		{"local-constant", "package lab\n\nimport \"os\"\n\nfunc f() string {\n\tconst k = \"PERFLAB_FD\"\n\treturn os.Getenv(k)\n}\n", ""},
		{"harmless-time", "package lab\n\nimport \"time\"\n\nvar _ = time.NewTimer(time.Second)\n", `imports "time"`},
		{"proc-concat", "package lab\n\nimport \"os\"\n\nvar _, _ = os.ReadFile(\"/pro\" + \"c/self/cmdline\")\n", "names /proc"},
		{"proc-const", "package lab\n\nimport \"os\"\n\nconst p = \"/proc\"\n\nvar _, _ = os.ReadFile(p + \"/self/cmdline\")\n", "names /proc"},
		{"proc-parent", "package lab\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nvar _, _ = os.ReadFile(fmt.Sprintf(\"/proc/%d/cmdline\", os.Getppid()))\n", "uses os.Getppid"},
		{"readlink-exe", "package lab\n\nimport (\n\t\"os\"\n\t\"strconv\"\n)\n\nvar _, _ = os.Readlink(\"/\" + \"proc/\" + strconv.Itoa(os.Getpid()) + \"/exe\")\n", "uses os.Readlink"},
		{"llongfile", "package lab\n\nimport \"log\"\n\nfunc init() { log.SetFlags(log.Llongfile) }\n", "uses log.SetFlags"},
		{"goroutine-dump", "package lab\n\nimport (\n\t\"io\"\n\t\"runtime/pprof\"\n)\n\nvar _ = pprof.Lookup(\"goroutine\").WriteTo(io.Discard, 2)\n", "uses runtime/pprof.Lookup"},
		{"stack", "package lab\n\nimport \"runtime\"\n\nvar _ = runtime.Stack(nil, true)\n", "uses runtime.Stack"},
		{"stat-test-file", "package lab\n\nimport \"os\"\n\nvar _, _ = os.Stat(\"index_test.go\")\n", "uses os.Stat"},
		{"gomaxprocs", "package lab\n\nimport \"runtime\"\n\nvar small = runtime.GOMAXPROCS(0) <= 4\n", "uses runtime.GOMAXPROCS"},
		{"goflags", "package lab\n\nimport \"os\"\n\nvar _ = os.Getenv(\"GOFLAGS\")\n", "reads the environment variable GOFLAGS"},
		{"gowork", "package lab\n\nimport \"os\"\n\nvar _, _ = os.LookupEnv(\"GO\" + \"WORK\")\n", "uses os.LookupEnv"},
		{"perflab-other", "package lab\n\nimport \"os\"\n\nconst fdEnv = \"PERFLAB_REDIS_URL\"\n\nvar _ = os.Getenv(fdEnv)\n", "reads the environment variable PERFLAB_REDIS_URL"},
		{"env-computed", "package lab\n\nimport (\n\t\"os\"\n\t\"strings\"\n)\n\nvar _ = os.Getenv(strings.ToUpper(\"goflags\"))\n", "with a name that is not a constant"},
		{"env-value", "package lab\n\nimport \"os\"\n\nvar get = os.Getenv\n", "uses os.Getenv as a value"},
		{"environ", "package lab\n\nimport \"os\"\n\nvar _ = os.Environ()\n", "uses os.Environ"},
		{"args", "package lab\n\nimport \"os\"\n\nvar _ = os.Args\n", "uses os.Args"},
		{"flag", "package lab\n\nimport \"flag\"\n\nvar _ = flag.Lookup(\"test.v\")\n", `imports "flag": edit files may import only`},
		{"dot-import", "package lab\n\nimport . \"os\"\n\nvar _, _ = ReadFile(\"/etc/hostname\")\n", `imports "os" with a dot`},
		{"testing", "package lab\n\nimport \"testing\"\n\nvar _ = testing.Testing()\n", `imports "testing": code under test`},
		{"module", "package lab\n\nimport _ \"example.com/evil\"\n", "not in the course's go.mod"},
		{"own-module", "package lab\n\nimport _ \"github.com/goperflabs/labs/internal/testkit\"\n", `imports "github.com/goperflabs/labs/internal/testkit": edit files may import only`},
		{"linkname", "package lab\n\nimport _ \"unsafe\"\n\n//go:linkname t testing.Testing\nfunc t() bool\n", `imports "unsafe"`},
		{"package", "package main\n", "keep it package lab"},
		{"build-constraint", "//go:build !race\n\npackage lab\n", "adds the build constraint"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			probs := screenSrc(t, manifest.Lab{Chapter: "01-x", Name: "lab", Edit: []string{"lab.go"}}, "lab.go", c.src)
			expect(t, probs, c.want)
		})
	}
}

// TestScreenAllow: a lab's screen_allow entry allows a member and its
// import, and nothing else of the package.
func TestScreenAllow(t *testing.T) {
	l := manifest.Lab{Chapter: "01-x", Name: "lab", Edit: []string{"lab.go"}, ScreenAllow: []string{"time.Now"}}
	expect(t, screenSrc(t, l, "lab.go", "package lab\n\nimport \"time\"\n\nvar _ = time.Now()\n"), "")
	expect(t, screenSrc(t, l, "lab.go", "package lab\n\nimport \"time\"\n\nvar _ = time.Since(time.Time{})\n"), "uses time.Since")
}

// TestTestFileRules: an edit file that is a _test.go file may declare
// benchmarks and helpers, but no test, fuzz test, example, TestMain or
// init, and may not call os.Exit or use testing.M.
func TestTestFileRules(t *testing.T) {
	cases := []struct{ name, decl, want string }{
		{"benchmark", "func BenchmarkX(b *testing.B) {\n\tfor b.Loop() {\n\t\thelper()\n\t}\n}\n\nfunc helper() {}\n\nfunc Testable() {}\n", ""},
		{"test", "func TestX(t *testing.T) {}\n", "declares TestX, a test"},
		{"fuzz", "func FuzzX(f *testing.F) {}\n", "declares FuzzX, a fuzz test"},
		{"example", "func Example() {}\n", "declares Example, an example"},
		{"init", "func init() {}\n", "declares init"},
		{"main", "func TestMain(m *testing.M) {}\n", "declares TestMain"},
		{"exit", "func BenchmarkX(b *testing.B) {\n\tos.Exit(0)\n}\n", "calls os.Exit"},
		{"short", "func BenchmarkX(b *testing.B) {\n\tif testing.Short() {\n\t\tb.Skip()\n\t}\n}\n", "uses testing.Short"},
	}
	l := manifest.Lab{Chapter: "01-x", Name: "lab", Edit: []string{"bench_test.go"}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := "package lab\n\nimport (\n\t\"os\"\n\t\"testing\"\n)\n\nvar _ = os.Stdout\nvar _ testing.B\n\n" + c.decl
			probs := screenSrc(t, l, "bench_test.go", src)
			expect(t, probs, c.want)
			if len(probs) > 1 {
				t.Errorf("%d problems, want one line each: %v", len(probs), probs)
			}
		})
	}
}

// screenSrc screens src as the edit file name of l, with shippedSrc and
// solutionSrc as its baseline (a _test.go file's baseline is shippedTest)
// and a missing third baseline file, which is skipped.
func screenSrc(t *testing.T, l manifest.Lab, name, src string) []Problem {
	t.Helper()
	dir := t.TempDir()
	write := func(name, src string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	shipped, sol := shippedSrc, solutionSrc
	if strings.HasSuffix(name, "_test.go") {
		shipped = "package lab\n\nimport (\n\t\"os\"\n\t\"testing\"\n)\n\nvar _ = os.Stdout\n\nfunc BenchmarkX(b *testing.B) {}\n"
		sol = shipped
	}
	base := []string{write("shipped.go", shipped), write("solution.go", sol), filepath.Join(dir, "missing.go")}
	s := ForModules(dir, "github.com/goperflabs/labs", []string{"golang.org/x/sync"})
	probs, err := s.File(context.Background(), l, dir, name, write("edit-"+name, src), base...)
	if err != nil {
		t.Fatal(err)
	}
	return probs
}

// expect checks that probs is empty (want "") or that its first says want.
func expect(t *testing.T, probs []Problem, want string) {
	t.Helper()
	switch {
	case want == "" && len(probs) > 0:
		t.Errorf("rejected a correct fix: %v", probs)
	case want != "" && (len(probs) == 0 || !strings.Contains(probs[0].Msg, want)):
		t.Errorf("problems %v, want the first saying %q", probs, want)
	}
}
