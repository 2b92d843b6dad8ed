// Package screen reads a learner's edit file, before any test runs, for
// code that can tell a test binary from a program: an import of testing,
// os.Args or flag.Lookup (a test binary has -test.* flags), the call
// stack, /proc/self, the course's PERFLAB_* variables, //go:linkname,
// and imports from modules the course does not require. Such a fix passes
// the lab's tests while the program stays broken, so every verdict
// (check, verify, grade) screens first.
//
// What the shipped file already uses is allowed: a lab's main.go may read
// os.Args because it always did.
//
// # Usage
//
//	s, err := screen.New(courseRoot)
//	probs, err := s.File(ctx, lab, labDir, "parse.go", learnersCopy, shippedCopy)
//	for _, p := range probs {
//		fmt.Println(p) // 02-profiling/cpu-hotspot/parse.go:12: imports "testing": …
//	}
package screen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/build/constraint"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/goperflabs/labs/internal/manifest"
)

// Problem is a reason to reject an edit file without running it, at one
// of its lines.
type Problem struct {
	File string `json:"file"` // from the course root, with slashes
	Line int    `json:"line"`
	Msg  string `json:"message"`
}

func (p Problem) String() string { return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg) }

// EnvPrefix starts the name of every environment variable the course
// sets for its tests (PERFLAB_REDIS_URL, …).
const EnvPrefix = "PERFLAB_"

// sensitive are imports an edit file may have only where the shipped file
// has them: they reach past the language (unsafe, cgo, plugins) or can tell
// a test binary from a program (runtime/debug.ReadBuildInfo).
var sensitive = []string{"unsafe", "C", "plugin", "runtime/debug"}

// telltales are identifiers that can tell a test binary from a program
// (its name ends in .test; it has -test.* flags; testing.tRunner is on
// the stack); an edit file may use them only where the shipped file does.
var telltales = []string{"os.Args", "os.Executable", "flag.Lookup", "flag.CommandLine", "flag.VisitAll", "flag.Visit", "flag.Parsed",
	"runtime.Caller", "runtime.Callers", "runtime.CallersFrames", "runtime.FuncForPC", "runtime.Stack"}

// procSelf starts the paths through which a process reads its own command
// line and executable.
const procSelf = "/proc/self"

// envReaders are the calls that read the environment.
var envReaders = []string{"os.Getenv", "os.LookupEnv", "os.Environ", "os.ExpandEnv", "os.Expand", "syscall.Getenv", "syscall.Environ"}

// Screener checks edit files against one course. It caches what `go list`
// says about imports, so one Screener serves many files.
type Screener struct {
	root     string   // the course root, where go.mod is
	module   string   // the module path in go.mod
	requires []string // the module paths go.mod requires, direct and indirect
	mu       sync.Mutex
	testDeps map[string]string // import path → "" or the testing package it pulls in
}

// New returns a Screener for the course at root, reading its go.mod.
func New(root string) (*Screener, error) {
	module, requires, err := Modules(root)
	if err != nil {
		return nil, err
	}
	return ForModules(root, module, requires), nil
}

// ForModules returns a Screener for the course at root whose go.mod, read
// already, names module and requires those modules.
func ForModules(root, module string, requires []string) *Screener {
	return &Screener{root: root, module: module, requires: requires, testDeps: map[string]string{}}
}

// Modules reads the module path and the required modules of the course at
// root with `go mod edit -json`.
func Modules(root string) (module string, requires []string, err error) {
	cmd := exec.Command("go", "mod", "edit", "-json")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return "", nil, fmt.Errorf("reading the course's go.mod: %w", err)
	}
	var mod struct {
		Module  struct{ Path string }
		Require []struct{ Path string }
	}
	if err := json.Unmarshal(out, &mod); err != nil {
		return "", nil, fmt.Errorf("reading the course's go.mod: %w", err)
	}
	for _, r := range mod.Require {
		requires = append(requires, r.Path)
	}
	return mod.Module.Path, requires, nil
}

// parsed is one Go file, parsed.
type parsed struct {
	name string
	fset *token.FileSet
	file *ast.File
}

func parseFile(name string, src []byte) (*parsed, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	return &parsed{name, fset, f}, nil
}

func (p *parsed) line(pos token.Pos) int { return p.fset.Position(pos).Line }

// File checks the edit file name of lab l, as tested (at path), against
// the shipped file (at shipped). labDir is the lab's folder, whose other
// files' constants name the environment variables the lab itself uses. A
// file that does not parse passes: the compiler will say what is wrong
// with it. A data file (not .go, such as default.pgo) is not Go and
// passes too.
func (s *Screener) File(ctx context.Context, l manifest.Lab, labDir, name, path, shipped string) ([]Problem, error) {
	if !strings.HasSuffix(name, ".go") {
		return nil, nil
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	rel := l.ID() + "/" + name
	sub, err := parseFile(rel, src)
	if err != nil {
		return nil, nil
	}
	shippedSrc, err := os.ReadFile(shipped)
	if err != nil {
		return nil, fmt.Errorf("reading the shipped %s: %w", rel, err)
	}
	ship, err := parseFile(rel, shippedSrc)
	if err != nil {
		return nil, fmt.Errorf("the shipped %s does not parse: %w", rel, err)
	}
	var out []Problem
	add := func(pos token.Pos, format string, args ...any) {
		out = append(out, Problem{rel, sub.line(pos), fmt.Sprintf(format, args...)})
	}
	if sub.file.Name.Name != ship.file.Name.Name {
		add(sub.file.Package, "the package clause says %s; it must stay package %s", sub.file.Name.Name, ship.file.Name.Name)
	}
	if c, pos := buildConstraint(sub); c != "" && c != first(buildConstraint(ship)) {
		add(pos, "adds the build constraint %q; edit files must build everywhere the shipped file does", c)
	}
	screenDirectives(sub, add)
	if err := s.screenImports(ctx, sub, ship, strings.HasSuffix(name, "_test.go"), add); err != nil {
		return nil, err
	}
	consts, own := packageConsts(l, labDir, sub)
	screenCalls(sub, ship, consts, own, add)
	return out, nil
}

func first[A, B any](a A, _ B) A { return a }

// buildConstraint returns the file's //go:build (or // +build) line, if any,
// and where it is.
func buildConstraint(p *parsed) (string, token.Pos) {
	for _, g := range p.file.Comments {
		if g.Pos() > p.file.Package {
			break
		}
		for _, c := range g.List {
			if constraint.IsGoBuild(c.Text) || constraint.IsPlusBuild(c.Text) {
				return strings.TrimSpace(c.Text), c.Pos()
			}
		}
	}
	return "", token.NoPos
}

// screenDirectives rejects //go:linkname and cgo directives anywhere.
func screenDirectives(p *parsed, add func(token.Pos, string, ...any)) {
	for _, g := range p.file.Comments {
		for _, c := range g.List {
			switch {
			case strings.HasPrefix(c.Text, "//go:linkname"):
				add(c.Pos(), "uses //go:linkname, which reaches into other packages' internals (testing.Testing among them)")
			case strings.HasPrefix(c.Text, "//go:cgo_"):
				add(c.Pos(), "uses the cgo directive %s", strings.Fields(c.Text)[0])
			}
		}
	}
}

func importPaths(p *parsed) map[string]*ast.ImportSpec {
	out := map[string]*ast.ImportSpec{}
	for _, imp := range p.file.Imports {
		if path, err := strconv.Unquote(imp.Path.Value); err == nil {
			out[path] = imp
		}
	}
	return out
}

// screenImports checks each import: testing (outside a _test.go file),
// the sensitive ones, modules outside go.mod, and packages that pull
// testing in.
func (s *Screener) screenImports(ctx context.Context, sub, shipped *parsed, isTest bool, add func(token.Pos, string, ...any)) error {
	had := importPaths(shipped)
	var rest []string
	for path, imp := range importPaths(sub) {
		_, shippedHas := had[path]
		switch {
		case (path == "testing" || strings.HasPrefix(path, "testing/")) && !isTest:
			add(imp.Pos(), "imports %q: code under test must not know it is being tested", path)
		case slices.Contains(sensitive, path) && !shippedHas:
			add(imp.Pos(), "imports %q, which the shipped file does not", path)
		case !s.inModules(path):
			add(imp.Pos(), "imports %q, from a module that is not in the course's go.mod", path)
		case !isTest && !shippedHas:
			rest = append(rest, path)
		}
	}
	if len(rest) == 0 {
		return nil
	}
	slices.Sort(rest)
	pulls, err := s.pullsTesting(ctx, rest)
	if err != nil {
		return err
	}
	imps := importPaths(sub)
	for _, path := range rest {
		if via := pulls[path]; via != "" {
			add(imps[path].Pos(), "imports %q, which imports %q: code under test must not know it is being tested", path, via)
		}
	}
	return nil
}

// inModules reports whether an import path is in the standard library, the
// course's module or a module its go.mod requires.
func (s *Screener) inModules(path string) bool {
	elem := path
	if i := strings.Index(path, "/"); i >= 0 {
		elem = path[:i]
	}
	if !strings.Contains(elem, ".") {
		return true // the standard library
	}
	for _, m := range append([]string{s.module}, s.requires...) {
		if path == m || strings.HasPrefix(path, m+"/") {
			return true
		}
	}
	return false
}

// pullsTesting asks `go list` which of the import paths depend on testing,
// and returns, for those, the testing package each pulls in.
func (s *Screener) pullsTesting(ctx context.Context, paths []string) (map[string]string, error) {
	out := map[string]string{}
	var ask []string
	s.mu.Lock()
	for _, p := range paths {
		if v, ok := s.testDeps[p]; ok {
			out[p] = v
		} else {
			ask = append(ask, p)
		}
	}
	s.mu.Unlock()
	if len(ask) == 0 {
		return out, nil
	}
	args := append([]string{"list", "-e", "-f", "{{.ImportPath}} {{join .Deps \" \"}}"}, ask...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = s.root
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	data, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list %s: %v: %s", strings.Join(ask, " "), err, strings.TrimSpace(stderr.String()))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		via := ""
		for _, d := range fields[1:] {
			if d == "testing" || strings.HasPrefix(d, "testing/") {
				via = d
				break
			}
		}
		s.testDeps[fields[0]] = via
		out[fields[0]] = via
	}
	return out, nil
}

// packageConsts collects the string constants declared at package level
// in the lab's other (shipped, non-test) files and in the edit file, so
// that os.Getenv(WorkerEnv) can be read as the name it is. own are the
// values the lab's other files declare: variables of the lab's own, such
// as the one a supervisor sets for its workers.
func packageConsts(l manifest.Lab, labDir string, sub *parsed) (map[string]string, []string) {
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
	var own []string
	for _, v := range consts {
		own = append(own, v)
	}
	collectConsts(sub.file, consts)
	return consts, own
}

func collectConsts(f *ast.File, consts map[string]string) {
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
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

// selectors returns the "pkg.Name" selectors a file uses, by the import
// paths' last element, with the position of each first use.
func selectors(p *parsed) map[string]token.Pos {
	names := map[string]string{} // local name → import path
	for path, imp := range importPaths(p) {
		local := path[strings.LastIndex(path, "/")+1:]
		if imp.Name != nil {
			local = imp.Name.Name
		}
		names[local] = path
	}
	out := map[string]token.Pos{}
	ast.Inspect(p.file, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if id, ok := sel.X.(*ast.Ident); ok {
			if path, ok := names[id.Name]; ok {
				key := path + "." + sel.Sel.Name
				if _, seen := out[key]; !seen {
					out[key] = sel.Pos()
				}
			}
		}
		return true
	})
	return out
}

// screenCalls rejects the telltales the shipped file does not use and
// reads of the course's environment variables (PERFLAB_*, except those
// the lab's own files declare).
func screenCalls(sub, shipped *parsed, consts map[string]string, own []string, add func(token.Pos, string, ...any)) {
	had := selectors(shipped)
	for key, pos := range selectors(sub) {
		if _, ok := had[key]; !ok && slices.Contains(telltales, key) {
			add(pos, "uses %s, which can tell a test binary from a program; the shipped file does not", key)
		}
	}
	if pos, ok := firstLiteral(sub, procSelf); ok {
		if _, had := firstLiteral(shipped, procSelf); !had {
			add(pos, "reads %s, which can tell a test binary from a program; the shipped file does not", procSelf)
		}
	}
	shippedEnv := envNames(shipped, consts)
	for _, r := range envReads(sub, consts) {
		switch {
		case r.name == "" && !slices.Contains(shippedEnv, r.call):
			add(r.pos, "calls %s where the shipped file does not: the tests' environment is the course's", r.call)
		case strings.HasPrefix(r.name, EnvPrefix) && !slices.Contains(shippedEnv, r.name) && !slices.Contains(own, r.name):
			add(r.pos, "reads the environment variable %s, which the course sets for its tests", r.name)
		}
	}
}

type envRead struct {
	call string // "os.Getenv"
	name string // the variable's name; "" when not a constant
	pos  token.Pos
}

// envReads finds the calls that read the environment, with the name each
// reads when it is a constant.
func envReads(p *parsed, consts map[string]string) []envRead {
	sels := map[*ast.SelectorExpr]string{}
	names := map[string]string{}
	for path, imp := range importPaths(p) {
		local := path[strings.LastIndex(path, "/")+1:]
		if imp.Name != nil {
			local = imp.Name.Name
		}
		names[local] = path
	}
	var out []envRead
	ast.Inspect(p.file, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			sel, ok := n.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			id, ok := sel.X.(*ast.Ident)
			if !ok {
				return true
			}
			call := names[id.Name] + "." + sel.Sel.Name
			if !slices.Contains(envReaders, call) {
				return true
			}
			sels[sel] = call
			r := envRead{call: call, pos: n.Pos()}
			if len(n.Args) == 1 && (call == "os.Getenv" || call == "os.LookupEnv" || call == "syscall.Getenv") {
				if v, ok := constString(n.Args[0], consts); ok {
					r.name = v
				}
			}
			out = append(out, r)
		case *ast.SelectorExpr:
			// A reader passed as a value (f := os.Getenv) reads names
			// nobody can see. A call's selector was recorded just before,
			// since Inspect visits the call first.
			if id, ok := n.X.(*ast.Ident); ok {
				call := names[id.Name] + "." + n.Sel.Name
				if slices.Contains(envReaders, call) {
					if _, isCall := sels[n]; !isCall {
						out = append(out, envRead{call: call, pos: n.Pos()})
					}
				}
			}
		}
		return true
	})
	return out
}

// envNames lists what the shipped file reads: each constant name, and the
// call for reads of computed names.
func envNames(p *parsed, consts map[string]string) []string {
	var out []string
	for _, r := range envReads(p, consts) {
		if r.name != "" {
			out = append(out, r.name)
		} else {
			out = append(out, r.call)
		}
	}
	return out
}

// firstLiteral finds a string literal that contains sub.
func firstLiteral(p *parsed, sub string) (token.Pos, bool) {
	var at token.Pos
	ast.Inspect(p.file, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING && at == token.NoPos {
			if v, err := strconv.Unquote(lit.Value); err == nil && strings.Contains(v, sub) {
				at = lit.Pos()
			}
		}
		return at == token.NoPos
	})
	return at, at != token.NoPos
}
