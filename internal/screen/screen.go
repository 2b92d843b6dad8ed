// Package screen reads a learner's edit file, before any test runs, and
// lets it use only what the lab's own files use. A fix that can tell a
// test binary from a program (by its command line, its call stack, the
// grader's environment, the files in its working directory, the machine
// it runs on…) passes the lab's tests while the program stays broken, so
// every verdict (check, verify, grade) screens first.
//
// The screen is an allowlist, not a list of tricks. The baseline of an
// edit file is the lab's shipped version of it and its reference solution
// (whichever exist). An edit file may:
//
//   - import what the baseline imports, and the pure packages (Pure): they
//     compute, and cannot observe the process, the machine or the clock;
//   - use, of a package that can observe its environment (Sensitive: os,
//     runtime, time, net, reflect…), only the members the baseline uses;
//   - read a PERFLAB_* or GO* environment variable only by a constant name
//     whose value the baseline reads too;
//   - name /proc only where the baseline does.
//
// It may not use //go:linkname or cgo directives, add a build constraint
// or change its package clause. An edit file that is a _test.go file
// (the learner fixes a benchmark) may declare only benchmarks, helpers,
// types, variables and constants.
//
// # Usage
//
//	s, err := screen.New(courseRoot)
//	probs, err := s.File(ctx, lab, labDir, "parse.go", learnersCopy, shippedCopy, solutionCopy)
//	for _, p := range probs {
//		fmt.Println(p) // 02-profiling/cpu-hotspot/parse.go:12: imports "testing": …
//	}
package screen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/build/constraint"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strings"

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

// Screener checks edit files against one course.
type Screener struct {
	root     string   // the course root, where go.mod is
	module   string   // the module path in go.mod
	requires []string // the module paths go.mod requires, direct and indirect
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
	return &Screener{root: root, module: module, requires: requires}
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

// reporter collects the problems of one edit file.
type reporter struct {
	sub *parsed
	out []Problem
}

// add reports a problem at pos.
func (r *reporter) add(pos token.Pos, format string, args ...any) {
	r.out = append(r.out, Problem{r.sub.name, r.sub.line(pos), fmt.Sprintf(format, args...)})
}

// File checks the edit file name of lab l, as tested (at path), against
// its baseline: the files at the paths given, the shipped file and the
// reference solution, of which those missing on disk are skipped, and
// the lab's screen_allow entries. With no baseline file at all, only the
// pure packages and those entries are allowed. labDir is the
// lab's folder, whose other files' constants name the environment
// variables the lab uses. A file that does not parse passes: the compiler
// will say what is wrong with it. A data file (not .go, such as
// default.pgo) is not Go and passes too.
func (s *Screener) File(ctx context.Context, l manifest.Lab, labDir, name, path string, baseline ...string) ([]Problem, error) {
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
	labConsts := packageConsts(l, labDir)
	base, err := readBaseline(rel, baseline, labConsts)
	if err != nil {
		return nil, err
	}
	base.allow(l.ScreenAllow)
	r := &reporter{sub: sub}
	isTest := strings.HasSuffix(name, "_test.go")
	screenHeader(sub, base, r)
	screenDirectives(sub, r)
	skip := s.screenImports(sub, base, isTest, r)
	if isTest {
		maps.Copy(skip, screenTestFile(sub, r))
	}
	screenMembers(sub, base, skip, r)
	screenProc(sub, base, labConsts, r)
	screenEnv(sub, base, withConsts(labConsts, sub.file), r)
	slices.SortStableFunc(r.out, func(a, b Problem) int { return a.Line - b.Line })
	return r.out, nil
}

// readBaseline reads and merges the baseline files that exist.
func readBaseline(rel string, paths []string, labConsts map[string]string) (*baseline, error) {
	b := newBaseline()
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading the baseline of %s: %w", rel, err)
		}
		f, err := parseFile(rel, src)
		if err != nil {
			return nil, fmt.Errorf("the baseline %s of %s does not parse: %w", p, rel, err)
		}
		b.add(f, withConsts(labConsts, f.file))
	}
	return b, nil
}

// screenHeader checks the package clause and the build constraint, which
// must be the baseline's.
func screenHeader(sub *parsed, b *baseline, r *reporter) {
	if name := sub.file.Name.Name; len(b.pkgNames) > 0 && !slices.Contains(b.pkgNames, name) {
		r.add(sub.file.Package, "the package clause says %s; keep it package %s", name, b.pkgNames[0])
	}
	if c, pos := buildConstraint(sub); c != "" && !slices.Contains(b.constraints, c) {
		r.add(pos, "adds the build constraint %q; remove it: edit files must build everywhere the lab's own files do", c)
	}
}

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
func screenDirectives(p *parsed, r *reporter) {
	for _, g := range p.file.Comments {
		for _, c := range g.List {
			switch {
			case strings.HasPrefix(c.Text, "//go:linkname"):
				r.add(c.Pos(), "uses //go:linkname, which reaches into other packages' internals; remove it")
			case strings.HasPrefix(c.Text, "//go:cgo_"):
				r.add(c.Pos(), "uses the cgo directive %s; remove it", strings.Fields(c.Text)[0])
			}
		}
	}
}
