package grade

import (
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/goperflabs/labs/internal/manifest"
	"github.com/goperflabs/labs/internal/racereport"
	"github.com/goperflabs/labs/internal/testjson"
	"github.com/goperflabs/labs/internal/testkit"
)

// Status is how a lab was graded.
type Status string

// The statuses. Only StatusPassed scores the lab's points.
const (
	StatusPassed      Status = "passed"
	StatusFailed      Status = "failed"       // a test failed its assertions
	StatusRejected    Status = "rejected"     // an edit file broke a rule; not run
	StatusMissing     Status = "missing"      // an edit file is not in the submission
	StatusBuildFailed Status = "build_failed" // the package or its tests did not compile
	StatusTimedOut    Status = "timed_out"    // the lab's time limit ran out
	StatusOverLimit   Status = "over_limit"   // killed at the memory or process limit
	StatusDataRace    Status = "data_race"    // the race detector reported a race
	StatusPanicked    Status = "panicked"     // a test panicked
	StatusExited      Status = "exited_early" // the test binary exited before its tests ran
	StatusIncomplete  Status = "incomplete"   // a test was skipped or did not run
	StatusCrashed     Status = "crashed"      // the binary failed outside any test
	StatusTampered    Status = "tampered"     // the code under test changed the course's files
)

// verdict is what one run, or the screening, says about a lab.
type verdict struct {
	Status   Status
	Reason   string
	Location *Location
}

// Location is a line to point at, from the course root.
type Location struct {
	File string `json:"file"`
	Line int    `json:"line"`
}

// expectedTests lists the top-level tests (Test*, Fuzz*) of the lab's
// test files in the course, as go test would build them (with the race
// tag when race is set). An edit file that is a test file is the
// student's, and declares none (the screen sees to that).
func expectedTests(dir string, l manifest.Lab, race bool) ([]string, error) {
	ctx := build.Default
	if race {
		ctx.BuildTags = append(slices.Clone(ctx.BuildTags), "race")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range files {
		if slices.Contains(l.Edit, filepath.Base(f)) {
			continue
		}
		if ok, err := ctx.MatchFile(dir, filepath.Base(f)); err != nil || !ok {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, src, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		for _, d := range af.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && isTest(fn) {
				out = append(out, fn.Name.Name)
			}
		}
	}
	return out, nil
}

// takes reports whether fn's one parameter is a *testing.T (typ "T") or
// *testing.F, as go test requires of a test or fuzz test.
func takes(fn *ast.FuncDecl, typ string) bool {
	params := fn.Type.Params.List
	if len(params) != 1 || len(params[0].Names) > 1 {
		return false
	}
	star, ok := params[0].Type.(*ast.StarExpr)
	if !ok {
		return false
	}
	switch x := star.X.(type) {
	case *ast.SelectorExpr:
		return x.Sel.Name == typ
	case *ast.Ident: // import . "testing"
		return x.Name == typ
	}
	return false
}

// isTestName is go test's rule: the prefix, then nothing or a character
// that is not a lower-case letter.
func isTestName(name, prefix string) bool {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return false
	}
	r, _ := utf8.DecodeRuneInString(rest)
	return rest == "" || !unicode.IsLower(r)
}

var (
	compilerLine = regexp.MustCompile(`^(?:\./)?([^\s:]+\.go):(\d+)(?::\d+)?: `)
)

// judge turns one run into a verdict. A lab passes only when every
// expected test recorded "pass" through the recorder (record.go), a test
// the course declares a helper recorded pass or skip, nothing in the
// output shows a failure or a race, and the binary exited 0.
func judge(r *run, l manifest.Lab, expected []string, roots []string) verdict {
	if v, done := judgeStop(r, roots); done {
		return v
	}
	p := r.Package
	if test, loc := findRace(p, l); test != "" {
		return verdict{Status: StatusDataRace, Reason: "data race in " + test, Location: loc}
	}
	for _, tc := range p.Failed() {
		if tc.Panicked {
			return verdict{Status: StatusPanicked, Reason: "panic in " + tc.Name + ": " + panicLine(tc), Location: editLine(tc.Output, l)}
		}
	}
	if failed := p.Failed(); len(failed) > 0 {
		return failedVerdict(failed[0], l)
	}
	if len(r.Records) == 0 {
		return verdict{Status: StatusExited, Reason: "the test binary exited before its tests ran" + exitNote(p)}
	}
	for _, name := range expected {
		if v, bad := judgeRecord(r, p, l, name); bad {
			return v
		}
	}
	if r.Proc.ExitCode != 0 {
		return verdict{Status: StatusCrashed, Reason: fmt.Sprintf("the test binary exited with status %d after its tests passed", r.Proc.ExitCode) + exitNote(p)}
	}
	return verdict{Status: StatusPassed}
}

// judgeStop judges a run that stopped before its tests could be judged:
// at a limit, at its build, or with nothing reported.
func judgeStop(r *run, roots []string) (verdict, bool) {
	p := r.Package
	switch {
	case r.Limit != "" && strings.HasPrefix(r.Limit, "the time"):
		return verdict{Status: StatusTimedOut, Reason: "killed at " + r.Limit + running(p)}, true
	case r.Limit != "":
		return verdict{Status: StatusOverLimit, Reason: "killed at " + r.Limit + running(p)}, true
	case p != nil && p.BuildFailed():
		line := relPath(p.BuildErrors[0], roots)
		what := "does not compile: "
		if r.Alone {
			what = "the lab's program does not compile without its test files: "
		}
		return verdict{Status: StatusBuildFailed, Reason: what + line, Location: locate(line)}, true
	case p == nil && r.Exec != nil:
		return verdict{Status: StatusCrashed, Reason: "the test binary reported nothing: " + firstLine(r.Exec.Loose)}, true
	case p == nil:
		return verdict{Status: StatusCrashed, Reason: "the test binary reported nothing"}, true
	case p.Timeout > 0:
		return verdict{Status: StatusTimedOut, Reason: "killed at the time limit of " + p.Timeout.String() + running(p)}, true
	}
	return verdict{}, false
}

// judgeRecord judges one expected test by its record.
func judgeRecord(r *run, p *testjson.Package, l manifest.Lab, name string) (verdict, bool) {
	tc := p.Test(name)
	switch rec, ok := r.Records[name]; {
	case rec == recordPass:
		return verdict{}, false
	case rec == recordSkip && slices.Contains(l.Helpers, name):
		return verdict{}, false
	case rec == recordSkip:
		return verdict{Status: StatusIncomplete, Reason: name + " was skipped"}, true
	case rec == recordFail && tc != nil:
		return failedVerdict(tc, l), true
	case rec == recordFail:
		return verdict{Status: StatusFailed, Reason: name + " failed"}, true
	case !ok && tc != nil && tc.Status == testjson.StatusRunning:
		return verdict{Status: StatusCrashed, Reason: "the test binary died during " + name + ": " + lastLine(p)}, true
	}
	return verdict{Status: StatusIncomplete, Reason: name + " did not run" + exitNote(p)}, true
}

// failedVerdict is a failed test's verdict, with its first message from
// a test file (file_test.go:N: …), or else its first message at all:
// what the code under test printed comes before the test's own words, and
// must not stand in for them.
func failedVerdict(tc *testjson.TestCase, l manifest.Lab) verdict {
	reason := tc.Name + " failed"
	m := tc.Messages()
	for _, msg := range m {
		if testFileMessage.MatchString(msg) {
			return verdict{Status: StatusFailed, Reason: reason + ": " + strings.TrimSpace(msg), Location: testLine(tc, l)}
		}
	}
	if len(m) > 0 {
		reason += ": " + strings.TrimSpace(m[0])
	}
	return verdict{Status: StatusFailed, Reason: reason, Location: testLine(tc, l)}
}

var testFileMessage = regexp.MustCompile(`^\s*\w+_test\.go:\d+: `)

// running names the test that was still running, if any.
func running(p *testjson.Package) string {
	if p == nil {
		return ""
	}
	if u := p.Unfinished(); len(u) > 0 {
		return " in " + u[0].Name
	}
	if !p.Started {
		return ", while building"
	}
	return ""
}

func exitNote(p *testjson.Package) string {
	if l := lastLine(p); l != "" {
		return " (" + l + ")"
	}
	return ""
}

// lastLine is the last line the binary printed outside a test, without
// go test's own summary.
func lastLine(p *testjson.Package) string {
	for i := len(p.Output) - 1; i >= 0; i-- {
		l := strings.TrimSpace(p.Output[i])
		if l == "" || l == "PASS" || l == "FAIL" || strings.HasPrefix(l, "ok ") || strings.HasPrefix(l, "FAIL\t") {
			continue
		}
		return l
	}
	return ""
}

func firstLine(lines []string) string {
	for _, l := range lines {
		if t := strings.TrimSpace(l); t != "" {
			return t
		}
	}
	return "(no output)"
}

// relPath makes the paths in a compiler's line relative to the course
// root: go test names an overlaid file by its replacement's path, which is
// under one of roots (absolute, or relative to the course root).
func relPath(line string, roots []string) string {
	for _, r := range roots {
		line = strings.ReplaceAll(line, r+string(filepath.Separator), "")
	}
	return strings.TrimPrefix(line, "./")
}

func locate(line string) *Location {
	m := compilerLine.FindStringSubmatch(line)
	if m == nil {
		return nil
	}
	n, _ := strconv.Atoi(m[2])
	return &Location{File: filepath.ToSlash(m[1]), Line: n}
}

// findRace returns the first test whose output holds a race report, and
// the first line of the lab's edit files in that report.
func findRace(p *testjson.Package, l manifest.Lab) (string, *Location) {
	for _, tc := range p.Tests() {
		if racereport.Found(tc.Output) {
			return tc.Name, editLine(tc.Output, l)
		}
	}
	if racereport.Found(p.Output) {
		return "the package (outside any test)", editLine(p.Output, l)
	}
	return "", nil
}

// editLine finds the first "…/lab/file.go:NN" of one of the lab's edit
// files in output, such as a stack trace.
func editLine(output []string, l manifest.Lab) *Location {
	for _, o := range output {
		for _, f := range l.Edit {
			i := strings.Index(o, "/"+l.ID()+"/"+f+":")
			if i < 0 {
				continue
			}
			rest := o[i+len(l.ID())+len(f)+3:]
			j := 0
			for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
				j++
			}
			if n, err := strconv.Atoi(rest[:j]); err == nil {
				return &Location{File: l.ID() + "/" + f, Line: n}
			}
		}
	}
	return nil
}

var testMessageLine = regexp.MustCompile(`^\s*(\w+\.go):(\d+): `)

// testLine is where the failing test said so, as "lab/file_test.go:NN".
func testLine(tc *testjson.TestCase, l manifest.Lab) *Location {
	if loc := editLine(tc.Output, l); loc != nil {
		return loc
	}
	for _, m := range tc.Messages() {
		if s := testMessageLine.FindStringSubmatch(m); s != nil {
			n, _ := strconv.Atoi(s[2])
			return &Location{File: l.ID() + "/" + s[1], Line: n}
		}
	}
	return nil
}

func panicLine(tc *testjson.TestCase) string {
	for _, o := range tc.Output {
		if t := strings.TrimSpace(o); strings.HasPrefix(t, "panic: ") {
			return strings.TrimPrefix(t, "panic: ")
		}
	}
	return "(no message)"
}

// Figure is one gate's figure, as testkit.Report recorded it.
type Figure struct {
	Test string `json:"test"`
	Race bool   `json:"race,omitempty"`
	testkit.Figure
}

// figures reads the gates' figures of a run from its attr events.
func figures(r *run) []Figure {
	if r.Package == nil {
		return nil
	}
	var out []Figure
	for _, tc := range r.Package.Tests() {
		for _, a := range tc.Attrs {
			if !strings.HasPrefix(a.Key, testkit.FigureKey) {
				continue
			}
			if f, err := testkit.ParseFigure(a.Value); err == nil {
				out = append(out, Figure{Test: tc.Name, Race: r.Race, Figure: f})
			}
		}
	}
	return out
}
