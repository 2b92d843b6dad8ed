package profile

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
)

const spin = "example.com/profilefixture/work.Spin"

// take profiles a package of the fixture module and returns the file.
func take(t *testing.T, pkg string, k Kind) (string, Result) {
	t.Helper()
	root, _ := filepath.Abs("testdata/mod")
	dir := filepath.Join(root, pkg)
	before := listing(t, dir)
	out, err := Reserve(t.TempDir(), k, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), Spec{
		Root: root, Package: "./" + pkg, Dir: dir, Kind: k, Out: out, Work: t.TempDir(), Benchtime: "30x",
	})
	if err != nil {
		t.Fatal(err)
	}
	if after := listing(t, dir); !slices.Equal(before, after) {
		t.Errorf("the run left files in the package's folder: %v, was %v", after, before)
	}
	return out, res
}

func listing(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestEveryKindWritesAProfileThatPprofReads(t *testing.T) {
	for _, k := range Kinds {
		t.Run(string(k), func(t *testing.T) {
			path, res := take(t, "work", k)
			if res.Mode != Benchmarks || res.Failed {
				t.Fatalf("mode %s, failed %v:\n%s", res.Mode, res.Failed, res.Tail)
			}
			if k == Trace {
				readTrace(t, path)
				return
			}
			out, err := exec.Command("go", "tool", "pprof", "-top", "-sample_index="+k.SampleIndex(), path).CombinedOutput()
			if err != nil {
				t.Fatalf("go tool pprof -top %s: %v\n%s", path, err, out)
			}
			p, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			top := Top(p, k.SampleIndex(), nil)
			if top.Type != k.SampleIndex() || top.Total <= 0 {
				t.Fatalf("%s profile: type %s, total %d; pprof -top says:\n%s", k, top.Type, top.Total, out)
			}
			if k == CPU {
				checkMarks(t, p)
			}
			if k == Goroutine && strings.Contains(string(out), "perflabSampleGoroutines") {
				t.Errorf("the sampler's own goroutine is in the profile:\n%s", out)
			}
		})
	}
}

// readTrace checks that go tool trace reads the file, by asking it for a
// profile derived from the trace.
func readTrace(t *testing.T, path string) {
	t.Helper()
	out, err := exec.Command("go", "tool", "trace", "-pprof=sched", path).Output()
	if err != nil {
		t.Fatalf("go tool trace -pprof=sched %s: %v", path, err)
	}
	if _, err := profile.Parse(bytes.NewReader(out)); err != nil {
		t.Fatalf("go tool trace read %s but gave no profile: %v", path, err)
	}
}

// hottestOutsideRuntime is the function with the most cumulative cost
// that is neither the runtime's, the testing package's nor a test or
// benchmark. On a loaded machine a short profile can charge the fixture's
// hot loop to runtime.asyncPreempt (where the preempted loop was caught),
// so its flat cost may be 0; its cumulative cost still holds every sample.
func hottestOutsideRuntime(top Table) (Entry, bool) {
	for _, e := range top.ByCum(len(top.Entries)) {
		short := e.Name[strings.LastIndex(e.Name, "/")+1:]
		if strings.HasPrefix(e.Name, "runtime.") || strings.HasPrefix(e.Name, "testing.") ||
			strings.Contains(short, ".Test") || strings.Contains(short, ".Benchmark") {
			continue
		}
		return e, true
	}
	return Entry{}, false
}

// checkMarks checks that a CPU profile's hottest function outside the
// runtime and the tests is the fixture's Spin, marked as the learner's, and that no
// runtime or test function is.
func checkMarks(t *testing.T, p *profile.Profile) {
	t.Helper()
	root, _ := filepath.Abs("testdata/mod/work")
	top := Top(p, CPU.SampleIndex(), InDir(root))
	if first, ok := hottestOutsideRuntime(top); !ok || first.Name != spin || !first.Mine {
		t.Fatalf("hottest outside the runtime = %+v, want %s, marked as yours; top by flat: %+v", first, spin, top.ByFlat(3))
	}
	for _, e := range top.ByCum(10) {
		if strings.HasPrefix(e.Name, "runtime.") && e.Mine || strings.HasSuffix(e.Name, "BenchmarkWork") && e.Mine {
			t.Errorf("%s is marked as the learner's", e.Name)
		}
	}
	var b strings.Builder
	top.Write(&b, 10)
	if !strings.Contains(b.String(), "» work.Spin") || !strings.Contains(b.String(), "top 10 by cum") {
		t.Errorf("the table:\n%s", b.String())
	}
}

func TestTestsRunWhenThereIsNoBenchmark(t *testing.T) {
	path, res := take(t, "testsonly", CPU)
	if res.Mode != Tests {
		t.Fatalf("mode %s, want tests", res.Mode)
	}
	p, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	top := Top(p, "cpu", nil)
	if first, ok := hottestOutsideRuntime(top); !ok || first.Name != "example.com/profilefixture/testsonly.Spin" {
		t.Errorf("hottest outside the runtime = %+v, want testsonly.Spin; top by flat: %+v", first, top.ByFlat(3))
	}
}

func TestABenchmarkPatternThatMatchesNothingSaysSo(t *testing.T) {
	root, _ := filepath.Abs("testdata/mod")
	out, _ := Reserve(t.TempDir(), CPU, time.Now())
	_, err := Run(context.Background(), Spec{Root: root, Package: "./testsonly", Dir: filepath.Join(root, "testsonly"),
		Kind: CPU, Out: out, Work: t.TempDir(), Bench: "Nope"})
	if !errors.Is(err, ErrNoBenchmarks) {
		t.Fatalf("err = %v, want %v", err, ErrNoBenchmarks)
	}
}

func TestFlameGraphNamesTheHottestFunctionWithoutGraphviz(t *testing.T) {
	noDot(t)
	path, _ := take(t, "work", CPU)
	p, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	root, _ := filepath.Abs("testdata/mod/work")
	if err := WriteFlameGraph(&b, p, "cpu", "work: cpu <&> flame graph", InDir(root)); err != nil {
		t.Fatal(err)
	}
	rootElem, texts := parseSVG(t, b.Bytes())
	if rootElem.Local != "svg" || rootElem.Space != "http://www.w3.org/2000/svg" {
		t.Fatalf("root element %v, want svg in the SVG namespace", rootElem)
	}
	if !slices.ContainsFunc(texts, func(s string) bool { return strings.Contains(s, "work.Spin") }) {
		t.Errorf("no box names work.Spin; the texts are %q", texts)
	}
}

// noDot sets PATH to a folder with go and the C compiler but no Graphviz.
func noDot(t *testing.T) {
	bin := t.TempDir()
	for _, tool := range []string{"go", "gcc", "cc"} {
		if p, err := exec.LookPath(tool); err == nil {
			if err := os.Symlink(p, filepath.Join(bin, tool)); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Setenv("PATH", bin)
	if _, err := exec.LookPath("dot"); err == nil {
		t.Fatal("dot is still on PATH")
	}
}

// parseSVG checks that data is well-formed XML and returns its root
// element's name and the contents of its text elements.
func parseSVG(t *testing.T, data []byte) (xml.Name, []string) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(data))
	var root xml.Name
	var texts []string
	inText := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return root, texts
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if root.Local == "" {
				root = tok.Name
			}
			inText = tok.Name.Local == "text"
		case xml.CharData:
			if inText {
				texts = append(texts, string(tok))
			}
		case xml.EndElement:
			inText = false
		}
	}
}

// synthetic builds a CPU profile with the given cost per function, each
// a stack of main → name.
func synthetic(costs map[string]int64) *profile.Profile {
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		PeriodType: &profile.ValueType{Type: "cpu", Unit: "nanoseconds"}, Period: 10_000_000,
	}
	mainFn := &profile.Function{ID: 1, Name: "main.main"}
	p.Function = append(p.Function, mainFn)
	mainLoc := &profile.Location{ID: 1, Line: []profile.Line{{Function: mainFn}}}
	p.Location = append(p.Location, mainLoc)
	names := make([]string, 0, len(costs))
	for n := range costs {
		names = append(names, n)
	}
	slices.Sort(names)
	for i, n := range names {
		fn := &profile.Function{ID: uint64(i + 2), Name: n}
		loc := &profile.Location{ID: uint64(i + 2), Line: []profile.Line{{Function: fn}}}
		p.Function = append(p.Function, fn)
		p.Location = append(p.Location, loc)
		p.Sample = append(p.Sample, &profile.Sample{Location: []*profile.Location{loc, mainLoc}, Value: []int64{costs[n] / 10_000_000, costs[n]}})
	}
	return p
}

func TestDiffSubtractsTheBase(t *testing.T) {
	base := synthetic(map[string]int64{"main.slow": 700_000_000, "main.same": 200_000_000})
	now := synthetic(map[string]int64{"main.slow": 100_000_000, "main.same": 200_000_000, "main.new": 50_000_000})
	d, err := Diff(now, base)
	if err != nil {
		t.Fatal(err)
	}
	top := Top(d, "cpu", nil)
	got := map[string]int64{}
	for _, e := range top.ByFlat(10) {
		got[e.Name] = e.Flat
	}
	want := map[string]int64{"main.slow": -600_000_000, "main.new": 50_000_000}
	if len(got) != len(want) || got["main.slow"] != want["main.slow"] || got["main.new"] != want["main.new"] {
		t.Errorf("changes by flat = %v, want %v (an unchanged function is no change)", got, want)
	}
	if top.Total != -550_000_000 {
		t.Errorf("total change %d, want -550000000", top.Total)
	}
	var b strings.Builder
	top.WriteChanges(&b, 10, Top(base, "cpu", nil).Total)
	for _, s := range []string{"900.00ms before, 350.00ms now (-550.00ms)", "-600.00ms", "+50.00ms"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("no %q in:\n%s", s, b.String())
		}
	}
	if _, err := Diff(now, synthetic(nil)); err != nil {
		t.Errorf("a diff against an empty base: %v", err)
	}
}

func TestReserveNeverReusesAName(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC)
	var paths []string
	for range 11 {
		p, err := Reserve(dir, CPU, now)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(paths, p) {
			t.Fatalf("%s given twice", p)
		}
		os.WriteFile(p, []byte("x"), 0o644)
		paths = append(paths, p)
	}
	if got := Previous(dir, CPU, paths[10]); got != paths[9] {
		t.Errorf("Previous = %s, want %s", filepath.Base(got), filepath.Base(paths[9]))
	}
	later, _ := Reserve(dir, CPU, now.Add(time.Second))
	if got := Previous(dir, CPU, later); got != paths[10] {
		t.Errorf("Previous = %s, want %s (the empty file just reserved is no profile)", filepath.Base(got), filepath.Base(paths[10]))
	}
	if got := Previous(dir, Heap, ""); got != "" {
		t.Errorf("Previous heap = %q, want none", got)
	}
}
