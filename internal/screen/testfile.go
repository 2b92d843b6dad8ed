package screen

import (
	"go/ast"
	"strings"
	"unicode"
	"unicode/utf8"
)

// screenTestFile checks an edit file that is a _test.go file: the learner
// fixes a benchmark, so it may declare benchmarks, helpers, types,
// variables and constants, but no test, fuzz test, example, TestMain or
// init, and may not end the test binary. It returns the members it
// reported, or that a function it reported uses, which screenMembers need
// not report again: one line for each thing to remove.
func screenTestFile(sub *parsed, r *reporter) map[string]bool {
	reported := map[string]bool{}
	names := localNames(sub)
	for _, d := range sub.file.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Recv != nil {
			continue
		}
		if kind := testKind(fn.Name.Name); kind != "" {
			r.add(fn.Pos(), "declares %s, %s; the lab's test file may declare only benchmarks, helpers, types, variables and constants: remove it", fn.Name.Name, kind)
			ast.Inspect(fn, func(n ast.Node) bool {
				if key := memberKey(n, names); key != "" {
					reported[key] = true
				}
				return true
			})
		}
	}
	for key, pos := range selectors(sub) {
		if reported[key] {
			continue
		}
		switch key {
		case "os.Exit":
			r.add(pos, "calls os.Exit, which ends the test binary; remove it")
		case "testing.M":
			r.add(pos, "uses testing.M, which runs the tests; remove it")
		default:
			continue
		}
		reported[key] = true
	}
	return reported
}

// testKind says what go test takes a function of that name for, or "" if
// it is a benchmark or a helper.
func testKind(name string) string {
	switch {
	case name == "TestMain":
		return "which runs the tests"
	case name == "init":
		return "which runs before them"
	}
	for prefix, kind := range map[string]string{"Test": "a test", "Fuzz": "a fuzz test", "Example": "an example"} {
		if isTestName(name, prefix) {
			return kind
		}
	}
	return ""
}

// isTestName reports whether go test takes name for a function of the
// kind prefix starts: the prefix, then nothing or no lower-case letter.
func isTestName(name, prefix string) bool {
	if !strings.HasPrefix(name, prefix) {
		return false
	}
	if len(name) == len(prefix) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(name[len(prefix):])
	return !unicode.IsLower(r)
}
