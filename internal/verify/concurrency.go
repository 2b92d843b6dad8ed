package verify

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"

	"github.com/goperflabs/labs/internal/course"
	"github.com/goperflabs/labs/internal/manifest"
)

// Concurrency fails a lab whose code or tests (shipped or solution) start
// goroutines or processes but whose entry does not declare race = true:
// such a lab's verdict needs a -race run.
func Concurrency(c *course.Course, l manifest.Lab) []string {
	if l.Race {
		return nil
	}
	for _, dir := range []string{c.Dir(l), solutionDir(c, l)} {
		if where := startsConcurrency(dir); where != "" {
			rel, _ := filepath.Rel(c.Root, where)
			return []string{fmt.Sprintf("%s starts goroutines or processes (%s), so its labs.toml entry needs race = true", l.ID(), filepath.ToSlash(rel))}
		}
	}
	return nil
}

// startsConcurrency returns "file.go:line: what" for the first go
// statement, .Go(…) call (sync.WaitGroup, errgroup) or import of os/exec
// or errgroup in the folder's Go files, or "".
func startsConcurrency(dir string) string {
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	fset := token.NewFileSet()
	for _, path := range files {
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == "os/exec" || p == "golang.org/x/sync/errgroup" {
				return fmt.Sprintf("%s: imports %s", fset.Position(imp.Pos()), p)
			}
		}
		var found string
		ast.Inspect(f, func(n ast.Node) bool {
			if found != "" {
				return false
			}
			switch n := n.(type) {
			case *ast.GoStmt:
				found = fmt.Sprintf("%s: go statement", fset.Position(n.Pos()))
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Go" {
					found = fmt.Sprintf("%s: .Go call", fset.Position(n.Pos()))
				}
			}
			return true
		})
		if found != "" {
			return found
		}
	}
	return ""
}
