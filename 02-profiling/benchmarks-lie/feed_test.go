package benchmarkslie

import (
	_ "embed"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"

	"github.com/goperflabs/labs/internal/testkit"
)

// The gates in this file check what each benchmark feeds the package, not
// what it costs: a benchmark that asks for the same SKU, parses the same
// line or quotes a pair the cache already holds measures a case the
// service hardly ever sees, whatever its figures. The package counts its
// calls, those whose input differs from the call before, and the quotes
// the cache could not answer, while the benchmark runs for feedLow and then
// for feedHigh operations; the difference of the two runs is what the
// timed loop alone asked for, since setup and warm-up happen in both. The
// same is measured for the operation done as the service does it.

//go:embed bench_test.go
var benchSource string

const (
	feedLow, feedHigh = 100, 400
	// feedShare is the share of the service's figure a benchmark must
	// reach: the service sees a new input and a cache miss on about every
	// operation; a loop over one input sees none.
	feedShare = 0.25
)

// fedFigures is what the timed loop fed the package, per call of the
// operation.
type fedFigures struct {
	calls   int     // calls in the feedHigh run beyond the feedLow run's
	changed float64 // calls whose input differs from the call before, per call
	misses  float64 // quotes the cache could not answer, per call
}

func watchFeed(t *testing.T, f func(*testing.B), kind string) fedFigures {
	lo, hi := countFeed(t, f, feedLow), countFeed(t, f, feedHigh)
	n := hi.calls[kind] - lo.calls[kind]
	if n <= 0 {
		return fedFigures{}
	}
	return fedFigures{
		calls:   n,
		changed: float64(hi.changes[kind]-lo.changes[kind]) / float64(n),
		misses:  float64(hi.misses-lo.misses) / float64(n),
	}
}

// countFeed runs the benchmark for ops operations with the work counter on.
func countFeed(t *testing.T, f func(*testing.B), ops int) *workProbe {
	setBenchTime(t, fmt.Sprintf("%dx", ops))
	w := newWorkProbe()
	probe = w
	testing.Benchmark(f)
	probe = nil
	w.mu.Lock()
	defer w.mu.Unlock()
	return w
}

// TestBenchmarksFeedLikeTheService is the lab's second gate.
func TestBenchmarksFeedLikeTheService(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every benchmark; not in -short")
	}
	for _, c := range []struct {
		claim
		kind, what string
		misses     bool
	}{
		{claims()[1], "find", "lookups of another SKU than the lookup before, per lookup", false},
		{claims()[2], "quote", "quotes priced (cache misses) per quote", true},
		{claims()[3], "parse", "parses of another line than the parse before, per parse", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, want := watchFeed(t, c.bench, c.kind), watchFeed(t, c.truth(t), c.kind)
			g, w := got.changed, want.changed
			if c.misses {
				g, w = got.misses, want.misses
			}
			budget := feedShare * w
			testkit.Report(t, testkit.Figure{Name: c.name + " " + c.what, Value: g, Op: ">=", Budget: budget})
			if g < budget {
				t.Errorf("%d more operations of the benchmark's loop make %d more calls with %.4g %s; done as the service does it, %.3g (budget ≥ %.3g). See what the loop asks for: go test -run '^$' -bench %s -cpuprofile /tmp/cpu.pprof ./02-profiling/benchmarks-lie && go tool pprof -top /tmp/cpu.pprof",
					feedHigh-feedLow, got.calls, g, c.what, w, budget, c.pick)
				return
			}
			t.Logf("%.4g %s (service: %.3g, budget ≥ %.3g)", g, c.what, w, budget)
		})
	}
}

// TestBenchmarksDoNotWatchTheHarness refuses a bench_test.go that looks at
// how it is run: a benchmark that behaves one way under this test and
// another under go test -bench reports the second to the learner.
func TestBenchmarksDoNotWatchTheHarness(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "bench_test.go", benchSource, parser.ParseComments)
	if err != nil {
		t.Fatalf("parsing the benchmarks: %v", err)
	}
	refused := map[string]bool{"flag": true, "os": false, "testing": false, "unsafe": true, "reflect": true, "runtime/debug": true}
	names := map[string]string{} // local name → import path
	for _, im := range f.Imports {
		path, _ := strconv.Unquote(im.Path.Value)
		if refused[path] {
			t.Errorf("%s: the benchmarks import %q: a benchmark must measure the same way however it is run (go test -bench, or this test), so it may not look at flags, the harness or its internals", fset.Position(im.Pos()), path)
		}
		name := path[strings.LastIndex(path, "/")+1:]
		if im.Name != nil {
			name = im.Name.Name
		}
		names[name] = path
	}
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			if strings.HasPrefix(c.Text, "//go:linkname") {
				t.Errorf("%s: //go:linkname in the benchmarks: a benchmark may not reach into the harness", fset.Position(c.Pos()))
			}
		}
	}
	watch := map[string]bool{"os.Args": true, "testing.Testing": true, "testing.Short": true, "testing.Verbose": true, "testing.CoverMode": true}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if x, ok := n.X.(*ast.Ident); ok && watch[names[x.Name]+"."+n.Sel.Name] {
				t.Errorf("%s: the benchmarks use %s.%s: a benchmark must measure the same way however it is run (go test -bench, or this test)", fset.Position(n.Pos()), x.Name, n.Sel.Name)
			}
		case *ast.BasicLit:
			if s, err := strconv.Unquote(n.Value); err == nil && n.Kind == token.STRING && (strings.HasPrefix(s, "test.") || strings.Contains(s, "-test.")) {
				t.Errorf("%s: the benchmarks name the flag %q: a benchmark must measure the same way however it is run (go test -bench, or this test)", fset.Position(n.Pos()), s)
			}
		case *ast.BinaryExpr:
			if isBN(n.X) && isLit(n.Y) || isBN(n.Y) && isLit(n.X) {
				t.Errorf("%s: the benchmarks compare b.N with a constant: a benchmark must do the same work however many times it runs", fset.Position(n.Pos()))
			}
		case *ast.SwitchStmt:
			if n.Tag != nil && isBN(n.Tag) {
				t.Errorf("%s: the benchmarks switch on b.N: a benchmark must do the same work however many times it runs", fset.Position(n.Pos()))
			}
		case *ast.Ident:
			if n.Name == "probe" || n.Name == "workProbe" || n.Name == "newWorkProbe" {
				t.Errorf("%s: the benchmarks touch the package's own work counter %s, which only the gate reads", fset.Position(n.Pos()), n.Name)
			}
		}
		return true
	})
}

// isBN reports whether e is x.N, as b.N of a *testing.B is written.
func isBN(e ast.Expr) bool {
	sel, ok := ast.Unparen(e).(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "N"
}

func isLit(e ast.Expr) bool {
	_, ok := ast.Unparen(e).(*ast.BasicLit)
	return ok
}
