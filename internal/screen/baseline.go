package screen

import (
	"go/ast"
	"go/token"
	"strconv"
	"strings"
)

// baseline is what the lab's own versions of an edit file (shipped and
// solution) use, merged: what an edit file may use too.
type baseline struct {
	pkgNames    []string        // package clauses
	constraints []string        // build constraint lines
	imports     map[string]bool // import paths
	members     map[string]bool // "os.ReadFile", "runtime/pprof.Lookup"
	env         map[string]bool // the values of the constant names read
	proc        bool            // names /proc somewhere
}

func newBaseline() *baseline {
	return &baseline{imports: map[string]bool{}, members: map[string]bool{}, env: map[string]bool{}}
}

// add merges one baseline file, whose constants (its own and the lab's)
// are consts.
func (b *baseline) add(p *parsed, consts map[string]string) {
	b.pkgNames = append(b.pkgNames, p.file.Name.Name)
	if c, _ := buildConstraint(p); c != "" {
		b.constraints = append(b.constraints, c)
	}
	for path := range importPaths(p) {
		b.imports[path] = true
	}
	for key := range selectors(p) {
		b.members[key] = true
	}
	for _, r := range envReads(p, consts) {
		if r.name != "" {
			b.env[r.name] = true
		}
	}
	if _, ok := procLiteral(p, consts); ok {
		b.proc = true
	}
}

// allow adds a lab's screen_allow entries: a member ("runtime.SetFinalizer",
// "net/http.DefaultServeMux"), which allows its import too, or an import
// path.
func (b *baseline) allow(entries []string) {
	for _, e := range entries {
		dot := strings.LastIndex(e, ".")
		if dot > strings.LastIndex(e, "/") && dot > 0 {
			b.members[e] = true
			b.imports[e[:dot]] = true
			continue
		}
		b.imports[e] = true
	}
}

// importPaths maps each import path of a file to its spec.
func importPaths(p *parsed) map[string]*ast.ImportSpec {
	out := map[string]*ast.ImportSpec{}
	for _, imp := range p.file.Imports {
		if path, err := strconv.Unquote(imp.Path.Value); err == nil {
			out[path] = imp
		}
	}
	return out
}

// localNames maps the names a file refers to its imports by to their
// paths. The default name is the path's last element (a version suffix
// such as /v9 skipped), which is the package's name in every package this
// course imports.
func localNames(p *parsed) map[string]string {
	names := map[string]string{}
	for path, imp := range importPaths(p) {
		local := defaultName(path)
		if imp.Name != nil {
			local = imp.Name.Name
		}
		names[local] = path
	}
	return names
}

// defaultName guesses a package's name from its import path.
func defaultName(path string) string {
	elems := strings.Split(path, "/")
	last := elems[len(elems)-1]
	if len(elems) > 1 && len(last) > 1 && last[0] == 'v' && strings.Trim(last[1:], "0123456789") == "" {
		last = elems[len(elems)-2]
	}
	return last
}

// selectors returns the package-qualified selectors a file uses
// ("os.ReadFile", by import path: "runtime/pprof.Lookup"), with the
// position of each first use.
func selectors(p *parsed) map[string]token.Pos {
	names := localNames(p)
	out := map[string]token.Pos{}
	ast.Inspect(p.file, func(n ast.Node) bool {
		if key := memberKey(n, names); key != "" {
			if _, seen := out[key]; !seen {
				out[key] = n.Pos()
			}
		}
		return true
	})
	return out
}

// memberKey returns "path.Name" if n is a selector of an imported
// package (names maps local names to import paths), else "".
func memberKey(n ast.Node, names map[string]string) string {
	sel, ok := n.(*ast.SelectorExpr)
	if !ok {
		return ""
	}
	id, ok := sel.X.(*ast.Ident)
	if !ok {
		return ""
	}
	if path, ok := names[id.Name]; ok {
		return path + "." + sel.Sel.Name
	}
	return ""
}
