package testjson

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "re-run the fixture packages and rewrite testdata/captures")

// fixtures are packages under testdata/fixtures, built only with the
// perflabfixture tag; testdata/captures holds what `go test -json` printed
// for each (NAME.jsonl) and the summary Read makes of it (NAME.golden).
var fixtures = []string{"pass", "fail", "nocompile", "hang", "panic", "bigoutput"}

func TestGolden(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			capture := filepath.Join("testdata", "captures", name+".jsonl")
			golden := filepath.Join("testdata", "captures", name+".golden")
			if *update {
				recapture(t, name, capture)
			}
			f, err := os.Open(capture)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/testjson -run TestGolden -update)", err)
			}
			defer f.Close()
			exec, err := Read(f, Options{MaxOutput: 4 << 10, MaxLine: 4 << 10})
			if err != nil {
				t.Fatal(err)
			}
			got := summarize(exec)
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("summary of %s differs from %s\n--- got\n%s\n--- want\n%s", capture, golden, got, want)
			}
		})
	}
}

func recapture(t *testing.T, name, capture string) {
	t.Helper()
	cmd := exec.Command("go", "test", "-json", "-count=1", "-timeout=2s", "-tags=perflabfixture", "./testdata/fixtures/"+name)
	var out bytes.Buffer
	cmd.Stdout = &out
	_ = cmd.Run() // most fixtures fail on purpose
	if err := os.WriteFile(capture, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// summarize renders what Read found, without times, so it is stable.
func summarize(e *Execution) string {
	var b strings.Builder
	for _, p := range e.Packages() {
		fmt.Fprintf(&b, "package %s: %s started=%v timeout=%v\n", strings.TrimPrefix(p.ImportPath, "github.com/goperflabs/labs/internal/testjson/"), p.Status, p.Started, p.Timeout)
		for _, l := range p.BuildErrors {
			fmt.Fprintf(&b, "  build: %s\n", l)
		}
		for _, tc := range p.Tests() {
			fmt.Fprintf(&b, "  test %s: %s panicked=%v lines=%d cut=%v\n", tc.Name, tc.Status, tc.Panicked, len(tc.Output), tc.Cut > 0)
		}
		for _, tc := range p.Failed() {
			msgs := tc.Messages()
			if len(msgs) > 3 {
				msgs = msgs[:3]
			}
			for _, m := range msgs {
				if len(m) > 80 {
					m = m[:80] + "…"
				}
				fmt.Fprintf(&b, "  failed %s: %s\n", tc.Name, strings.TrimSpace(m))
			}
		}
		for _, tc := range p.Unfinished() {
			fmt.Fprintf(&b, "  unfinished %s\n", tc.Name)
		}
	}
	return b.String()
}

func TestReadCutsLongLines(t *testing.T) {
	long := `{"Action":"output","Package":"p","Test":"T","Output":"` + strings.Repeat("y", 100) + `"}` + "\n"
	exec, err := Read(strings.NewReader(long+`{"Action":"run","Package":"p","Test":"U"}`+"\n"), Options{MaxLine: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(exec.Loose) != 1 || len(exec.Loose[0]) != 50 {
		t.Errorf("a line cut to 50 bytes should be kept as loose output, got %q", exec.Loose)
	}
	if exec.Package("p") == nil || exec.Package("p").Test("U") == nil {
		t.Errorf("the event after a cut line was lost")
	}
}

// A default.pgo go build cannot read fails in a step of no package: its
// lines have no ImportPath and the package's fail names no build. They
// are the package's build errors all the same. (Events as go1.26.8 wrote
// them for the pgo lab with a heap profile as default.pgo.)
func TestBuildErrorOfNoPackage(t *testing.T) {
	events := `{"ImportPath":"","Action":"build-output","Output":"# /course/02-profiling/pgo/default.pgo\n"}
{"ImportPath":"","Action":"build-output","Output":"preprofile: error parsing profile: profile does not contain a sample index with value/type \"samples/count\" or cpu/nanoseconds\"\n"}
{"ImportPath":"","Action":"build-fail"}
{"Action":"start","Package":"example.com/pgo"}
{"Action":"output","Package":"example.com/pgo","Output":"FAIL\texample.com/pgo [build failed]\n"}
{"Action":"fail","Package":"example.com/pgo","Elapsed":0}
`
	exec, err := Read(strings.NewReader(events), Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := exec.Package("example.com/pgo")
	if p == nil || !p.BuildFailed() || !strings.HasPrefix(p.BuildErrors[0], "preprofile: error parsing profile") {
		t.Errorf("want the preprofile line as the build error, got %+v", p)
	}
}
