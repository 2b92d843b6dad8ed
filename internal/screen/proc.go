package screen

import (
	"go/ast"
	"go/token"
	"strings"
)

// procFS is where a process can read its own command line, executable
// and environment, and its parent's.
const procFS = "/proc"

// screenProc rejects a string constant (a literal, or literals and
// constants joined with +) that names /proc, unless the baseline names it
// too.
func screenProc(sub *parsed, b *baseline, labConsts map[string]string, r *reporter) {
	if b.proc {
		return
	}
	if pos, ok := procLiteral(sub, withConsts(labConsts, sub.file)); ok {
		r.add(pos, "names %s, where a process can read its own command line and its parent's; remove it", procFS)
	}
}

// procLiteral finds the first string constant expression that names
// /proc, with the file's constants as consts.
func procLiteral(p *parsed, consts map[string]string) (token.Pos, bool) {
	var at token.Pos
	ast.Inspect(p.file, func(n ast.Node) bool {
		if at != token.NoPos {
			return false
		}
		e, ok := n.(ast.Expr)
		if !ok {
			return true
		}
		if v, ok := constString(e, consts); ok && namesProc(v) {
			at = e.Pos()
			return false
		}
		return true
	})
	return at, at != token.NoPos
}

// namesProc reports whether a string names the /proc file system.
func namesProc(s string) bool {
	return strings.Contains(s, procFS+"/") || strings.HasSuffix(s, procFS) || strings.HasPrefix(s, "proc/")
}
