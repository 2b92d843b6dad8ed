package grade

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/goperflabs/labs/internal/manifest"
)

// The verdict does not come from what the test binary prints: code under
// test can print anything, test2json's framing included. For each run,
// grade plants a recorder in the lab's package, in a file of its own
// (recorderFile) that the go command compiles before every other file of
// the package, and rewrites the course's test files (its own copies,
// swapped in by overlay, every line kept at its number) so that every
// top-level test first calls it. The recorder registers a t.Cleanup,
// which runs after the test, its subtests and its other cleanups, and
// writes "MAC pass|fail|skip TestName" to descriptor 3, a pipe that only
// grade reads, the MAC an HMAC-SHA256 under the run's key (the token).
//
// The key is not in the binary: grade writes it into a second pipe,
// descriptor 4, which the recorder reads and closes while the package's
// variables are initialised, before any of the student's code in the
// package runs (its file comes first in declaration order, and the
// student's files are in the same package). The recorder's names are
// random for every run, so a student's file, written before the run,
// cannot name them. A lab passes only if every expected test recorded
// "pass" and the binary exited 0 (judge).
//
// The recorder also makes the binary non-dumpable (Linux), so a child
// process in the sandbox cannot read its memory or open its descriptors
// through /proc. What is left: code that may use os can write to
// descriptor 3 but not sign its lines; to find the token it would have to
// read the process's own memory (/proc/self/mem, with os.Open or syscall
// calls that the screen allows only where the lab's own code makes them),
// or stand between the recorder and its pipes with syscall.Dup.

// Record statuses, as the recorder writes them.
const (
	recordPass = "pass"
	recordFail = "fail"
	recordSkip = "skip"
)

// recorderEnv marks the process grade started: the recorder takes its
// descriptors only there, and unsets the variable at once, so a process
// the tests start (which may get pipes of the lab's own as descriptors 3
// and 4) records nothing and reads nothing it does not own.
const recorderEnv = "PERFLAB_GRADE_RECORDER"

// The descriptors the recorder writes its records to and reads its token
// from.
const (
	recordFD = 3
	tokenFD  = 4
)

// recorderFile is the recorder's file in the lab's folder: go lists a
// package's files by name, so "0" sorts before any letter a lab's own
// files start with.
const recorderFile = "0000_perflab_record.go"

// maxRecords bounds what grade reads from the record pipe.
const maxRecords = 1 << 20

// recorder is one run's planted recorder: the token its lines carry and
// the overlay entries (a course path → the file to compile instead) that
// plant it.
type recorder struct {
	Token   string
	Overlay map[string]string
}

// plantRecorder writes, into dir, the recorder for lab l's package and
// the course's test files rewritten to call it. Edit files are the
// student's and are not touched.
func plantRecorder(c *Course, l manifest.Lab, dir string) (recorder, error) {
	// The token and the recorder's names come from separate random
	// bytes: a name can be read from the binary's symbol table.
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return recorder{}, fmt.Errorf("making a record token: %w", err)
	}
	rec := recorder{Token: hex.EncodeToString(b[:16]), Overlay: map[string]string{}}
	fn := "PerflabRecord" + hex.EncodeToString(b[16:])
	pkg, err := labPackage(c.Dir(l))
	if err != nil {
		return rec, err
	}
	labPath := c.Module + "/" + l.ID()
	if err := rec.add(dir, filepath.Join(c.Dir(l), recorderFile), recorderSource(pkg, fn)); err != nil {
		return rec, err
	}
	files, err := filepath.Glob(filepath.Join(c.Dir(l), "*_test.go"))
	if err != nil {
		return rec, err
	}
	for _, f := range files {
		if slices.Contains(l.Edit, filepath.Base(f)) {
			continue
		}
		src, err := rewriteTests(f, pkg, labPath, fn)
		if err != nil {
			return rec, fmt.Errorf("planting the recorder in %s: %w", filepath.Base(f), err)
		}
		if err := rec.add(dir, f, src); err != nil {
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

// labPackage is the package clause of the lab's first non-test Go file.
func labPackage(dir string) (string, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.PackageClauseOnly)
		if err == nil {
			return af.Name.Name, nil
		}
	}
	return "", fmt.Errorf("no Go file in %s", dir)
}

// edit is a change to a file's bytes: del removed at offset at, insert
// put there.
type edit struct {
	at          int
	del, insert string
}

// rewriteTests returns the test file at path with a call of the recorder
// fn as the first statement of every top-level test and fuzz test,
// inserted on the line of the opening brace so that every line keeps its
// number (failure messages point at the course's lines). A test whose
// parameter is unnamed or _ gets a name. A file of the external test
// package imports the lab's package (labPath) under a name of its own, on
// its package clause's line.
func rewriteTests(path, pkg, labPath, fn string) ([]byte, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	af, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	call := fn
	var imports []edit
	if af.Name.Name != pkg {
		alias := "perflabLab" + strings.TrimPrefix(fn, "PerflabRecord")
		call = alias + "." + fn
		imports = append(imports, edit{at: fset.Position(af.Name.End()).Offset, insert: fmt.Sprintf("; import %s %q", alias, labPath)})
	}
	var edits []edit
	for _, d := range af.Decls {
		if f, ok := d.(*ast.FuncDecl); ok && f.Recv == nil && f.Body != nil && isTest(f) {
			edits = append(edits, testEdits(fset, f, call)...)
		}
	}
	if len(edits) == 0 {
		return src, nil // helpers only: an import would go unused
	}
	edits = append(imports, edits...)
	out := slices.Clone(src)
	for i := len(edits) - 1; i >= 0; i-- {
		e := edits[i]
		out = slices.Concat(out[:e.at], []byte(e.insert), out[e.at+len(e.del):])
	}
	return out, nil
}

// testEdits names test f's parameter if it has no usable name and calls
// the recorder first thing in its body.
func testEdits(fset *token.FileSet, f *ast.FuncDecl, call string) []edit {
	var out []edit
	param := f.Type.Params.List[0]
	name := "perflabT"
	switch {
	case len(param.Names) == 0:
		out = append(out, edit{at: fset.Position(param.Type.Pos()).Offset, insert: name + " "})
	case param.Names[0].Name == "_":
		out = append(out, edit{at: fset.Position(param.Names[0].Pos()).Offset, del: "_", insert: name})
	default:
		name = param.Names[0].Name
	}
	at := fset.Position(f.Body.Lbrace).Offset + 1
	return append(out, edit{at: at, insert: fmt.Sprintf(" %s(%s, %q);", call, name, f.Name.Name)})
}

// isTest says whether f is a test or fuzz test go test runs.
func isTest(f *ast.FuncDecl) bool {
	name := f.Name.Name
	return isTestName(name, "Test") && name != "TestMain" && takes(f, "T") || isTestName(name, "Fuzz") && takes(f, "F")
}

// recorderSource is the recorder for package pkg. Its variable is
// initialised before any other of the package (its file comes first):
// it takes the run's key from descriptor tokenFD and the record pipe at
// recordFD, if both are pipes (a child process the tests start has
// neither), and notes which pipe that is. Function fn registers the
// cleanup that writes a test's line: an HMAC-SHA256 of "STATUS NAME"
// under the key, then STATUS and NAME. The key itself is never written,
// so code that reads the pipe learns nothing that signs another line; a
// line is not written at all once descriptor recordFD is another file
// than the pipe it was (a student's own pipe put in its place).
func recorderSource(pkg, fn string) []byte {
	id := strings.TrimPrefix(fn, "PerflabRecord")
	return []byte(fmt.Sprintf(recorderTemplate, pkg, fn, id, recordFD, tokenFD, recordPass, recordFail, recordSkip, undumpable(id), recorderEnv))
}

// recorderTemplate is the recorder's source: %[1]s the package, %[2]s
// the exported function the tests call, %[3]s the run's random suffix of
// every other name, %[4]d and %[5]d the record and key descriptors,
// %[6]q to %[8]q the statuses, %[9]s the call that makes the binary
// non-dumpable, %[10]q the variable that says this process is the one
// grade started.
const recorderTemplate = `package %[1]s

import (
	perflabHMAC%[3]s "crypto/hmac"
	perflabSHA%[3]s "crypto/sha256"
	perflabHex%[3]s "encoding/hex"
	perflabSync%[3]s "sync"
	perflabSyscall%[3]s "syscall"
)

type perflabRecorder%[3]s struct {
	mu       perflabSync%[3]s.Mutex
	key      []byte
	dev, ino uint64
}

var perflabRec%[3]s = perflabOpen%[3]s()

func perflabOpen%[3]s() *perflabRecorder%[3]s {
	if v, _ := perflabSyscall%[3]s.Getenv(%[10]q); v != "1" {
		return nil
	}
	perflabSyscall%[3]s.Unsetenv(%[10]q)
	var st perflabSyscall%[3]s.Stat_t
	for _, fd := range []int{%[5]d, %[4]d} {
		if perflabSyscall%[3]s.Fstat(fd, &st) != nil || st.Mode&perflabSyscall%[3]s.S_IFMT != perflabSyscall%[3]s.S_IFIFO {
			return nil
		}
	}
	buf := make([]byte, 64)
	n, err := perflabSyscall%[3]s.Read(%[5]d, buf)
	perflabSyscall%[3]s.Close(%[5]d)
	if err != nil || n != 32 {
		return nil
	}
	perflabSyscall%[3]s.CloseOnExec(%[4]d)%[9]s
	return &perflabRecorder%[3]s{key: buf[:n], dev: uint64(st.Dev), ino: uint64(st.Ino)}
}

func (r *perflabRecorder%[3]s) write(status, name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var st perflabSyscall%[3]s.Stat_t
	if perflabSyscall%[3]s.Fstat(%[4]d, &st) != nil || uint64(st.Dev) != r.dev || uint64(st.Ino) != r.ino {
		return
	}
	mac := perflabHMAC%[3]s.New(perflabSHA%[3]s.New, r.key)
	mac.Write([]byte(status + " " + name))
	perflabSyscall%[3]s.Write(%[4]d, []byte(perflabHex%[3]s.EncodeToString(mac.Sum(nil))+" "+status+" "+name+"\n"))
}

// %[2]s records the outcome of the top-level test name when it ends.
func %[2]s(t interface {
	Cleanup(func())
	Failed() bool
	Skipped() bool
}, name string) {
	r := perflabRec%[3]s
	t.Cleanup(func() {
		status := %[6]q
		switch {
		case t.Failed():
			status = %[7]q
		case t.Skipped():
			status = %[8]q
		}
		if r != nil {
			r.write(status, name)
		}
	})
}
`

// undumpable is the recorder's call that makes the test binary
// non-dumpable on Linux, so that no other process of the sandbox (a child
// the tests start runs as the same user) can read its memory, where the
// token is, or open its record pipe through /proc/PID/fd; the binary
// still reads its own /proc/self.
func undumpable(id string) string {
	if runtime.GOOS != "linux" {
		return ""
	}
	return fmt.Sprintf("\n\tperflabSyscall%[1]s.RawSyscall(perflabSyscall%[1]s.SYS_PRCTL, perflabSyscall%[1]s.PR_SET_DUMPABLE, 0, 0)", id)
}

// readRecords reads the recorder's lines from r: each test's status,
// from lines whose HMAC under the run's key (token) is right only.
func readRecords(r io.Reader, token string) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(io.LimitReader(r, maxRecords))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) != 3 || !signed(token, string(f[0]), string(f[1])+" "+string(f[2])) {
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

// signed reports whether sum is the hex HMAC-SHA256 of msg under key.
func signed(key, sum, msg string) bool {
	got, err := hex.DecodeString(sum)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(msg))
	return hmac.Equal(got, mac.Sum(nil))
}
