package grade

import (
	"context"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/goperflabs/labs/internal/snapshot"
)

// The fixture course is a git repository made once for the package's
// tests: the real course's go.mod, go.sum and test kit, its
// 01-memory/retention and 01-memory/bounded-cache labs (the latter with
// race = true), and the small labs of testdata/course.
var fixture struct {
	root   string  // the fixture's checkout
	course *Course // its HEAD, opened once
}

func TestMain(m *testing.M) {
	code, err := runWithFixture(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "grade tests:", err)
		os.Exit(2)
	}
	os.Exit(code)
}

func runWithFixture(m *testing.M) (int, error) {
	tmp, err := os.MkdirTemp("", "perflab-grade-fixture-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	fixture.root = filepath.Join(tmp, "course")
	if err := buildFixture(fixture.root); err != nil {
		return 0, err
	}
	c, err := OpenCourse(context.Background(), fixture.root, "")
	if err != nil {
		return 0, err
	}
	defer c.Close()
	fixture.course = c
	return m.Run(), nil
}

// buildFixture writes and commits the fixture course at root. It copies
// the real course as git's HEAD has it, so a learner's edits to the labs
// (solved, half done, broken) cannot change these tests.
func buildFixture(root string) error {
	real, err := committedCourse(filepath.Dir(root))
	if err != nil {
		return err
	}
	for _, p := range []string{"go.mod", "go.sum", "internal/testkit", "internal/figure", "internal/redisguard", "01-memory/retention", "solutions/01-memory/retention", "01-memory/bounded-cache", "solutions/01-memory/bounded-cache"} {
		if err := copyTree(filepath.Join(real, p), filepath.Join(root, p)); err != nil {
			return err
		}
	}
	if err := copyTree("testdata/course", root); err != nil {
		return err
	}
	toml, err := os.ReadFile(filepath.Join(real, "01-memory", "labs.toml"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(root, "01-memory", "labs.toml"), []byte(onlyLabs(string(toml), "retention", "bounded-cache")), 0o644); err != nil {
		return err
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"-c", "user.name=grade tests", "-c", "user.email=grade@example.invalid", "commit", "-q", "-m", "fixture course"}} {
		if err := git(root, args...); err != nil {
			return err
		}
	}
	return nil
}

// committedCourse unpacks the real course's HEAD under tmp and returns
// its folder; outside a git checkout it is the working tree.
func committedCourse(tmp string) (string, error) {
	real, err := filepath.Abs("../..")
	if err != nil {
		return "", err
	}
	dir, err := snapshot.Export(context.Background(), real, "HEAD", tmp)
	if errors.Is(err, snapshot.ErrNotGit) {
		return real, nil
	}
	return dir, err
}

func git(dir string, args ...string) error {
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

// onlyLabs keeps, of a labs.toml, its header and the [[lab]] entries
// called keep, in order; bounded-cache gets race = true if it has no race
// key yet.
func onlyLabs(toml string, keep ...string) string {
	parts := strings.Split(toml, "[[lab]]")
	out := parts[0]
	for _, p := range parts[1:] {
		for _, name := range keep {
			if !regexp.MustCompile(`(?m)^name\s*=\s*"` + name + `"`).MatchString(p) {
				continue
			}
			if name == "bounded-cache" && !regexp.MustCompile(`(?m)^race\s*=`).MatchString(p) {
				p = strings.TrimRight(p, "\n") + "\nrace    = true\n\n"
			}
			out += "[[lab]]" + p
		}
	}
	return out
}

// copyTree copies a file, or a folder and everything in it.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}

// sub is a submission under construction: a copy of the fixture course.
type sub struct {
	t   *testing.T
	dir string
}

// newSub copies the fixture course (without its .git) into a folder
// called name.
func newSub(t *testing.T, name string) *sub {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := copyTree(fixture.course.Root, dir); err != nil {
		t.Fatal(err)
	}
	return &sub{t, dir}
}

// solved copies every reference solution into place.
func (s *sub) solved() *sub {
	for _, l := range fixture.course.Labs() {
		for _, f := range l.Edit {
			s.write(l.ID()+"/"+f, s.read("solutions/"+l.ID()+"/"+f))
		}
	}
	return s
}

func (s *sub) read(rel string) string {
	s.t.Helper()
	data, err := os.ReadFile(filepath.Join(s.dir, rel))
	if err != nil {
		s.t.Fatal(err)
	}
	return string(data)
}

func (s *sub) write(rel, content string) *sub {
	s.t.Helper()
	path := filepath.Join(s.dir, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		s.t.Fatal(err)
	}
	return s
}

// edit replaces old with new in a file, which must hold old.
func (s *sub) edit(rel, old, new string) *sub {
	s.t.Helper()
	src := s.read(rel)
	if !strings.Contains(src, old) {
		s.t.Fatalf("%s has no %q", rel, old)
	}
	return s.write(rel, strings.ReplaceAll(src, old, new))
}

// tampered deletes every lab's test files, adds a TestMain that exits 0
// to every lab, raises every lab's points and turns the test kit's
// failures into logs.
func (s *sub) tampered() *sub {
	s.t.Helper()
	for _, l := range fixture.course.Labs() {
		dir := filepath.Join(s.dir, l.Chapter, l.Name)
		tests, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
		pkg, err := testPackage(dir)
		if err != nil {
			s.t.Fatal(err)
		}
		for _, f := range tests {
			if !slices.Contains(l.Edit, filepath.Base(f)) {
				os.Remove(f)
			}
		}
		s.write(l.ID()+"/main_test.go", "package "+pkg+"\n\nimport (\n\t\"os\"\n\t\"testing\"\n)\n\nfunc TestMain(m *testing.M) { os.Exit(0) }\n")
	}
	for _, ch := range fixture.course.Chapters {
		rel := ch.Dir + "/labs.toml"
		s.write(rel, regexp.MustCompile(`(?m)^points\s*=\s*\d+`).ReplaceAllString(s.read(rel), "points  = 1000"))
	}
	s.write("01-memory/retention/extra.go", "package retention\n\nfunc init() {}\n")
	s.write("go.mod", s.read("go.mod")+"\n// tampered\n")
	kit, _ := filepath.Glob(filepath.Join(s.dir, "internal/testkit/*.go"))
	for _, f := range kit {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		rel, _ := filepath.Rel(s.dir, f)
		src := s.read(rel)
		src = strings.NewReplacer("t.Errorf(", "t.Logf(", "t.Fatalf(", "t.Logf(", "t.Fatal(", "t.Log(", "t.Error(", "t.Log(").Replace(src)
		s.write(rel, src)
	}
	return s
}

// grade grades the submission, only the labs given if any.
func (s *sub) grade(labs ...string) *Report {
	s.t.Helper()
	g := NewGrader(fixture.course)
	if len(labs) > 0 {
		var err error
		if g.Labs, err = fixture.course.Resolve(labs); err != nil {
			s.t.Fatal(err)
		}
	}
	return s.gradeWith(g)
}

func (s *sub) gradeWith(g *Grader) *Report {
	s.t.Helper()
	defer g.Close()
	in, err := ReadSubmission(context.Background(), g.Course, s.dir)
	if err != nil {
		s.t.Fatal(err)
	}
	defer in.Close()
	rep, err := g.Grade(context.Background(), in)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, l := range rep.Labs {
		s.t.Logf("%s: %d/%d %s: %s", l.Lab, l.Score, l.Max, l.Status, l.Reason)
	}
	return rep
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
