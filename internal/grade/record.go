package grade

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/goperflabs/labs/internal/manifest"
)

// The verdict does not come from what the test binary prints: code under
// test can print anything, test2json's framing included. For each run,
// grade rewrites the course's test files (its own copies, swapped in by
// overlay) so that every top-level test first calls a recorder planted
// in the same package. The recorder registers a t.Cleanup, which runs
// after the test, its subtests and its other cleanups, and writes one
// line, "TOKEN pass|fail|skip TestName", to descriptor 3: a pipe that
// only grade reads. The token and the recorder's names are new for every
// run, so a student's file, written before the run, cannot name them. A
// lab passes only if every expected test recorded "pass" and the binary
// exited 0 (recordKey, judge).
//
// What is left: code that can open descriptor 3 itself and that finds the
// token in its own binary (which needs os or syscall, and the screen
// allows those only where the lab's own code uses them; TEACHING.md lists
// those labs).

// Record statuses, as the recorder writes them.
const (
	recordPass = "pass"
	recordFail = "fail"
	recordSkip = "skip"
)

// recordFD is the descriptor the recorder writes to.
const recordFD = 3

// maxRecords bounds what grade reads from the record pipe.
const maxRecords = 1 << 20

// recorder is one run's planted recorder: the token its lines carry and
// the overlay entries (a course test file's path → the file to compile
// instead) that plant it.
type recorder struct {
	Token   string
	Overlay map[string]string
}

// plantRecorder writes, into dir, the course's test files of lab l
// rewritten to call a recorder, and the recorder itself in each package
// those files declare. Edit files are the student's and are not touched.
func plantRecorder(c *Course, l manifest.Lab, dir string) (recorder, error) {
	// The token and the recorder's names come from separate random
	// bytes: a name can be read from the binary's symbol table, and must
	// not give the token away.
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return recorder{}, fmt.Errorf("making a record token: %w", err)
	}
	rec := recorder{Token: hex.EncodeToString(b[:16]), Overlay: map[string]string{}}
	fn := "perflabRecord" + hex.EncodeToString(b[16:])
	files, err := filepath.Glob(filepath.Join(c.Dir(l), "*_test.go"))
	if err != nil {
		return rec, err
	}
	pkgs := map[string]bool{}
	for _, f := range files {
		if slices.Contains(l.Edit, filepath.Base(f)) {
			continue
		}
		pkg, src, err := rewriteTests(f, fn)
		if err != nil {
			return rec, fmt.Errorf("planting the recorder in %s: %w", filepath.Base(f), err)
		}
		pkgs[pkg] = true
		if err := rec.add(dir, f, src); err != nil {
			return rec, err
		}
	}
	for _, pkg := range sortedKeys(pkgs) {
		path := filepath.Join(c.Dir(l), "zz_perflab_record_"+pkg+"_test.go")
		if err := rec.add(dir, path, recorderSource(pkg, fn, rec.Token)); err != nil {
			return rec, err
		}
	}
	return rec, nil
}

// add writes src to a new file in dir that the overlay puts at path.
func (r *recorder) add(dir, path string, src []byte) error {
	f, err := os.CreateTemp(dir, "rec-*-"+filepath.Base(path))
	if err != nil {
		return fmt.Errorf("planting the recorder: %w", err)
	}
	defer f.Close()
	if _, err := f.Write(src); err != nil {
		return fmt.Errorf("planting the recorder: %w", err)
	}
	r.Overlay[path] = f.Name()
	return nil
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// rewriteTests returns the test file at path, with a call of fn as the
// first statement of every top-level test and fuzz test, inserted on the
// line of the opening brace so that every line keeps its number (the
// failure messages point at the course's lines). A test whose parameter
// is unnamed or _ gets a name.
func rewriteTests(path, fn string) (string, []byte, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return "", nil, err
	}
	fset := token.NewFileSet()
	af, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
	if err != nil {
		return "", nil, err
	}
	type edit struct {
		at          int
		del, insert string
	}
	var edits []edit
	for _, d := range af.Decls {
		f, ok := d.(*ast.FuncDecl)
		if !ok || f.Recv != nil || f.Body == nil || !isTest(f) {
			continue
		}
		param := f.Type.Params.List[0]
		name := "perflabT"
		switch {
		case len(param.Names) == 0:
			edits = append(edits, edit{at: fset.Position(param.Type.Pos()).Offset, insert: name + " "})
		case param.Names[0].Name == "_":
			edits = append(edits, edit{at: fset.Position(param.Names[0].Pos()).Offset, del: "_", insert: name})
		default:
			name = param.Names[0].Name
		}
		call := fmt.Sprintf(" %s(%s, %q);", fn, name, f.Name.Name)
		edits = append(edits, edit{at: fset.Position(f.Body.Lbrace).Offset + 1, insert: call})
	}
	out := slices.Clone(src)
	for i := len(edits) - 1; i >= 0; i-- {
		e := edits[i]
		out = slices.Concat(out[:e.at], []byte(e.insert), out[e.at+len(e.del):])
	}
	return af.Name.Name, out, nil
}

// isTest says whether f is a test or fuzz test go test runs.
func isTest(f *ast.FuncDecl) bool {
	name := f.Name.Name
	return isTestName(name, "Test") && name != "TestMain" && takes(f, "T") || isTestName(name, "Fuzz") && takes(f, "F")
}

// recorderSource is the recorder for package pkg: function fn registers
// the cleanup that writes the test's line to descriptor recordFD, if that
// is a pipe (a child process the tests start has none).
func recorderSource(pkg, fn, token string) []byte {
	return []byte(fmt.Sprintf(`package %[1]s

import (
	"os"
	"sync"
	"syscall"
)

var %[2]sOut = %[2]sOpen()

var %[2]sMu sync.Mutex

func %[2]sOpen() *os.File {
	var st syscall.Stat_t
	if syscall.Fstat(%[4]d, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFIFO {
		return nil
	}
	syscall.CloseOnExec(%[4]d)
	return os.NewFile(%[4]d, "perflab-grade-record")
}

func %[2]s(t interface {
	Cleanup(func())
	Failed() bool
	Skipped() bool
}, name string) {
	t.Cleanup(func() {
		status := %[5]q
		switch {
		case t.Failed():
			status = %[6]q
		case t.Skipped():
			status = %[7]q
		}
		if %[2]sOut == nil {
			return
		}
		%[2]sMu.Lock()
		defer %[2]sMu.Unlock()
		%[2]sOut.Write([]byte(%[3]q + " " + status + " " + name + "\n"))
	})
}
`, pkg, fn, token, recordFD, recordPass, recordFail, recordSkip))
}

// records reads the recorder's lines from r: each test's status, from
// lines with the run's token only.
func readRecords(r io.Reader, token string) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(io.LimitReader(r, maxRecords))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) != 3 || string(f[0]) != token {
			continue
		}
		name, status := string(f[2]), string(f[1])
		if prev, ok := out[name]; ok && prev != status {
			status = recordFail // a test that says two things failed
		}
		switch status {
		case recordPass, recordFail, recordSkip:
			out[name] = status
		}
	}
	io.Copy(io.Discard, r)
	return out
}

// testPackage is the package clause of the lab's first test file.
func testPackage(dir string) (string, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
	for _, f := range files {
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.PackageClauseOnly)
		if err == nil {
			return af.Name.Name, nil
		}
	}
	return "", fmt.Errorf("no test file in %s", dir)
}
