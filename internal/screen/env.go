package screen

import (
	"go/ast"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/goperflabs/labs/internal/manifest"
)

// envReaders are the calls that read one environment variable by name.
// The calls that read them all (os.Environ, os.ExpandEnv…) are members
// of os or syscall, allowed only where the baseline uses them.
var envReaders = []string{"os.Getenv", "os.LookupEnv", "syscall.Getenv"}

// guarded reports whether an environment variable is one an edit file may
// read only where its baseline reads it too: the course's (PERFLAB_*) and
// the go command's (GOFLAGS, GOWORK, GOMAXPROCS…), which differ between a
// test run, a grader and a program.
func guarded(name string) bool {
	return strings.HasPrefix(name, EnvPrefix) || strings.HasPrefix(name, "GO")
}

// screenEnv rejects a read of a guarded variable the baseline does not
// read, and a read whose name is not a constant, judged by the value read,
// not by what a constant holding it is called.
func screenEnv(sub *parsed, b *baseline, consts map[string]string, r *reporter) {
	for _, e := range envReads(sub, consts) {
		switch {
		case e.name == "" && e.computed:
			r.add(e.pos, "calls %s with a name that is not a constant; read environment variables by constant name", e.call)
		case e.name == "":
			r.add(e.pos, "uses %s as a value; call it with a constant name", e.call)
		case guarded(e.name) && !b.env[e.name]:
			r.add(e.pos, "reads the environment variable %s, which the lab's shipped and solution files do not read; do without it", e.name)
		}
	}
}

type envRead struct {
	call     string // "os.Getenv"
	name     string // the variable's name; "" when not a constant
	computed bool   // called with a name that is not a constant
	pos      token.Pos
}

// envReads finds the reads of one environment variable, with the name
// each reads when it is a constant. A reader used as a value (f :=
// os.Getenv) reads names nobody can see.
func envReads(p *parsed, consts map[string]string) []envRead {
	names := localNames(p)
	reader := func(e ast.Expr) string {
		sel, ok := e.(*ast.SelectorExpr)
		if !ok {
			return ""
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok {
			return ""
		}
		if call := names[id.Name] + "." + sel.Sel.Name; slices.Contains(envReaders, call) {
			return call
		}
		return ""
	}
	called := map[ast.Expr]bool{}
	var out []envRead
	ast.Inspect(p.file, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if call := reader(n.Fun); call != "" {
				called[n.Fun] = true
				e := envRead{call: call, pos: n.Pos(), computed: true}
				if len(n.Args) == 1 {
					e.name, _ = constString(n.Args[0], consts)
				}
				out = append(out, e)
			}
		case *ast.SelectorExpr:
			if call := reader(n); call != "" && !called[n] {
				out = append(out, envRead{call: call, pos: n.Pos()})
			}
		}
		return true
	})
	return out
}

// packageConsts collects the string constants declared at package level
// in the lab's other (non-test, non-edit) files, so that
// os.Getenv(WorkerEnv) can be read as the name it is.
func packageConsts(l manifest.Lab, labDir string) map[string]string {
	consts := map[string]string{}
	files, _ := filepath.Glob(filepath.Join(labDir, "*.go"))
	for _, f := range files {
		base := filepath.Base(f)
		if strings.HasSuffix(base, "_test.go") || slices.Contains(l.Edit, base) {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if p, err := parseFile(base, src); err == nil {
			collectConsts(p.file, consts)
		}
	}
	return consts
}

// withConsts returns the lab's constants with a file's own added.
func withConsts(lab map[string]string, f *ast.File) map[string]string {
	consts := maps.Clone(lab)
	collectConsts(f, consts)
	return consts
}

// collectConsts adds a file's string constants (package-level and local,
// whose scopes it does not tell apart) to consts, in two passes so that
// one constant may be built from a later one.
func collectConsts(f *ast.File, consts map[string]string) {
	for range 2 {
		ast.Inspect(f, func(n ast.Node) bool {
			if g, ok := n.(*ast.GenDecl); ok && g.Tok == token.CONST {
				addConsts(g, consts)
			}
			return true
		})
	}
}

// addConsts adds the string constants of one const declaration.
func addConsts(g *ast.GenDecl, consts map[string]string) {
	for _, spec := range g.Specs {
		vs := spec.(*ast.ValueSpec)
		for i, n := range vs.Names {
			if i < len(vs.Values) {
				if v, ok := constString(vs.Values[i], consts); ok {
					consts[n.Name] = v
				}
			}
		}
	}
}

// constString evaluates a string constant: a literal, a known constant or
// a concatenation of those.
func constString(e ast.Expr, consts map[string]string) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			v, err := strconv.Unquote(e.Value)
			return v, err == nil
		}
	case *ast.Ident:
		v, ok := consts[e.Name]
		return v, ok
	case *ast.ParenExpr:
		return constString(e.X, consts)
	case *ast.BinaryExpr:
		if e.Op == token.ADD {
			a, ok1 := constString(e.X, consts)
			b, ok2 := constString(e.Y, consts)
			return a + b, ok1 && ok2
		}
	}
	return "", false
}
