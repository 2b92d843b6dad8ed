package grade

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goperflabs/labs/internal/sandbox"
	"golang.org/x/sys/unix"
	"golang.org/x/tools/txtar"
)

// The kept attacks are hostile submissions, one txtar file each in
// testdata/attacks: the comment holds "key: value" lines (about, class,
// lab, score, and optionally status), the files are the submission's
// changes by path from the course root. A file named "symlink:PATH" is
// made a symbolic link to its body (trimmed; $COURSE in it is the
// teacher's checkout of the fixture course); "fifo:PATH" a named pipe.
// TestAttacks grades every one against the fixture course and then
// checks that none of them did harm (harmCheck).

// attackClasses are the kinds of attack, as the class: key names them.
var attackClasses = []string{"tampering", "detection", "forgery", "links", "resources", "escape", "network", "writes-outside", "report-forgery"}

// attackPort is the port on the host's 127.0.0.1 that TestAttacks listens
// on; the network attacks dial it and must not reach it.
const attackPort = 47613

// attackMark starts the name of every path an attack that writes outside
// its sandbox aims at, in /tmp and in $HOME.
const attackMark = "perflab-attack-"

// attack is one kept attack.
type attack struct {
	Name   string // the file's name without .txtar
	About  string
	Class  string
	Lab    string // the lab's ID
	Score  int
	Status string // "" when any status will do
	Files  []txtar.File
}

// attackFilter picks the attacks TestAttacks grades, for a developer
// working on one: go test -run TestAttacks ./internal/grade -args -attacks 'fifo'.
var attackFilter = flag.String("attacks", "", "grade only the kept attacks whose name matches this regular expression")

// loadAttacks reads every attack of testdata/attacks (those that match
// -attacks) and checks its keys.
func loadAttacks(t *testing.T) []attack {
	t.Helper()
	paths, err := filepath.Glob("testdata/attacks/*.txtar")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no attacks in testdata/attacks: %v", err)
	}
	var out []attack
	for _, p := range paths {
		a, err := parseAttack(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if _, err := fixture.course.Resolve([]string{a.Lab}); err != nil {
			t.Fatalf("%s: lab: %v", p, err)
		}
		if ok, _ := regexp.MatchString(*attackFilter, a.Name); ok {
			out = append(out, a)
		}
	}
	return out
}

// parseAttack reads one attack file.
func parseAttack(path string) (attack, error) {
	ar, err := txtar.ParseFile(path)
	if err != nil {
		return attack{}, err
	}
	a := attack{Name: strings.TrimSuffix(filepath.Base(path), ".txtar"), Files: ar.Files, Score: -1}
	for _, line := range strings.Split(string(ar.Comment), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "about":
			a.About = v
		case "class":
			a.Class = v
		case "lab":
			a.Lab = v
		case "status":
			a.Status = v
		case "score":
			if a.Score, err = strconv.Atoi(v); err != nil {
				return a, fmt.Errorf("score: %w", err)
			}
		}
	}
	switch {
	case a.About == "", a.Lab == "", a.Score < 0, len(a.Files) == 0:
		return a, errors.New("an attack needs about:, lab:, score: and at least one file")
	case !slices.Contains(attackClasses, a.Class):
		return a, fmt.Errorf("class %q is none of %v", a.Class, attackClasses)
	}
	return a, nil
}

// apply writes the attack's files into the submission at dir.
func (a attack) apply(dir string) error {
	for _, f := range a.Files {
		kind, rel, ok := strings.Cut(f.Name, ":")
		if !ok {
			kind, rel = "file", f.Name
		}
		path := filepath.Join(dir, filepath.FromSlash(rel))
		os.RemoveAll(path)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		var err error
		switch kind {
		case "file":
			err = os.WriteFile(path, f.Data, 0o644)
		case "symlink":
			target := strings.ReplaceAll(strings.TrimSpace(string(f.Data)), "$COURSE", fixture.root)
			err = os.Symlink(target, path)
		case "fifo":
			err = unix.Mkfifo(path, 0o644)
		default:
			err = fmt.Errorf("unknown kind %q", kind)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
	}
	return nil
}

// requireSandbox skips the test where no sandbox can be made, unless
// PERFLAB_REQUIRE_SANDBOX=1 (as CI sets it) makes that a failure.
func requireSandbox(t *testing.T) {
	t.Helper()
	b, err := sandbox.New(context.Background(), t.TempDir())
	if errors.Is(err, sandbox.ErrUnavailable) && os.Getenv("PERFLAB_REQUIRE_SANDBOX") != "1" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
}

// becomeSubreaper makes the test process the reaper of its orphans, so
// that a process an attack left behind stays its descendant and the harm
// check finds it.
func becomeSubreaper(t *testing.T) {
	t.Helper()
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Fatalf("becoming a child subreaper: %v", err)
	}
	t.Cleanup(func() { unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0) })
}

// class makes one submission per attack, a copy of the fixture course
// with the attack's files, in one class folder, and returns their
// folders in the order of attacks.
func class(t *testing.T, attacks []attack) []string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "class")
	var dirs []string
	for _, a := range attacks {
		dir := filepath.Join(root, a.Name)
		if err := copyTree(fixture.course.Root, dir); err != nil {
			t.Fatal(err)
		}
		if err := a.apply(dir); err != nil {
			t.Fatalf("%s: %v", a.Name, err)
		}
		dirs = append(dirs, dir)
	}
	return dirs
}

func TestAttacks(t *testing.T) {
	requireSandbox(t)
	becomeSubreaper(t)
	start := time.Now()
	attacks := loadAttacks(t)
	dirs := class(t, attacks)
	results := filepath.Join(t.TempDir(), "results")
	ln := listenForAttacks(t)
	harm := newHarmCheck(t, dirs, results, ln)
	got := gradeAttacks(t, attacks, dirs, results, false)
	harm.sealResults(t)
	for i, a := range attacks {
		checkAttack(t, a, got[i])
	}
	for _, p := range harm.check(t) {
		t.Errorf("harm: %s", p)
	}
	t.Logf("%d attacks graded and checked in %s", len(attacks), time.Since(start).Round(time.Second))
}

// checkAttack checks one attack's result: graded, with the expected score
// and status for its lab.
func checkAttack(t *testing.T, a attack, r BatchResult) {
	t.Helper()
	if r.Err != nil {
		t.Errorf("%s (%s): not graded: %v", a.Name, a.Class, r.Err)
		return
	}
	l := r.Report.Lab(a.Lab)
	if l == nil {
		t.Errorf("%s (%s): no result for %s", a.Name, a.Class, a.Lab)
		return
	}
	if l.Score != a.Score || a.Status != "" && string(l.Status) != a.Status {
		t.Errorf("%s (%s): %s scored %d/%d, %s: %s; want %d%s\n\tthe attack: %s",
			a.Name, a.Class, a.Lab, l.Score, l.Max, l.Status, l.Reason, a.Score, statusNote(a.Status), a.About)
		return
	}
	t.Logf("%s (%s): %d %s: %s", a.Name, a.Class, l.Score, l.Status, l.Reason)
}

func statusNote(s string) string {
	if s == "" {
		return ""
	}
	return ", " + s
}

// gradeAttacks grades each submission on its attack's lab only: one
// Batch per lab, two at a time, reports in results, and grades.csv there
// once every batch is done. It returns the results in the order of
// attacks.
func gradeAttacks(t *testing.T, attacks []attack, dirs []string, results string, unsandboxed bool) []BatchResult {
	t.Helper()
	byLab := map[string][]int{}
	var labs []string
	for i, a := range attacks {
		if byLab[a.Lab] == nil {
			labs = append(labs, a.Lab)
		}
		byLab[a.Lab] = append(byLab[a.Lab], i)
	}
	out := make([]BatchResult, len(attacks))
	for _, lab := range labs {
		g := attackGrader(t, lab, unsandboxed)
		var group []string
		for _, i := range byLab[lab] {
			group = append(group, dirs[i])
		}
		for j, r := range batchOrHang(t, g, lab, group, results) {
			out[byLab[lab][j]] = r
		}
		g.Close()
	}
	f, err := os.Create(filepath.Join(results, "grades.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := WriteCSV(f, out, labs, fixture.course.Commit); err != nil {
		t.Fatal(err)
	}
	return out
}

// stallAfter is how long a batch may go without finishing a submission
// before TestAttacks calls the grader hung: longer than the system lab's
// time limit (60 s) with its builds.
const stallAfter = 2 * time.Minute

// batchOrHang grades a group with Batch, two at a time. A batch that
// finishes no submission for stallAfter is a failure: the grader hangs (on
// a named pipe it reads, say). The test then opens and closes for writing
// every named pipe in the group's folders, which ends a blocked read, so
// that the other attacks are still checked.
func batchOrHang(t *testing.T, g *Grader, lab string, group []string, results string) []BatchResult {
	t.Helper()
	done := make(chan []BatchResult, 1)
	progress := make(chan string, len(group))
	opts := BatchOptions{Parallel: 2, Results: results, Done: func(_, _ int, r BatchResult) { progress <- r.Name }}
	go func() { done <- g.Batch(context.Background(), group, opts) }()
	finished := map[string]bool{}
	for {
		select {
		case r := <-done:
			return r
		case name := <-progress:
			finished[name] = true
			continue
		case <-time.After(stallAfter):
		}
		var stuck []string
		for _, dir := range group {
			if !finished[filepath.Base(dir)] {
				stuck = append(stuck, filepath.Base(dir))
				unblockFIFOs(dir)
			}
		}
		t.Errorf("grading %s finished no submission for %s: the grader hangs on one of %v", lab, stallAfter, stuck)
	}
}

// unblockFIFOs opens every named pipe under dir for writing, without
// waiting, and closes it: a reader blocked on one reads the end of file.
func unblockFIFOs(dir string) {
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type()&fs.ModeNamedPipe != 0 {
			if fd, err := unix.Open(path, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0); err == nil {
				unix.Close(fd)
			}
		}
		return nil
	})
}

// attackGrader is a grader of one lab. The system lab, which the
// resource attacks aim at, gets a memory limit of 1 GiB and 128
// processes, so that attacks bounded below what would hurt the machine
// still cross them.
func attackGrader(t *testing.T, lab string, unsandboxed bool) *Grader {
	t.Helper()
	g := NewGrader(fixture.course)
	g.Unsandboxed = unsandboxed
	var err error
	if g.Labs, err = fixture.course.Resolve([]string{lab}); err != nil {
		t.Fatal(err)
	}
	if lab == "02-fixtures/system" {
		g.Limits.Memory, g.Limits.Processes = 1<<30, 128
	}
	if err := g.Prepare(context.Background()); err != nil {
		t.Fatal(err)
	}
	return g
}

// attackListener listens on the host's loopback (TCP) and on an abstract
// Unix socket, and counts the connections it accepts: a sandboxed
// submission has a network namespace of its own and must reach neither.
type attackListener struct {
	lns      []net.Listener
	accepted atomic.Int64
}

// attackSocket is the abstract Unix socket the listener binds.
const attackSocket = "@perflab-attack-sock"

func listenForAttacks(t *testing.T) *attackListener {
	t.Helper()
	al := &attackListener{}
	for _, addr := range [][2]string{{"tcp", "127.0.0.1:" + strconv.Itoa(attackPort)}, {"unix", attackSocket}} {
		ln, err := net.Listen(addr[0], addr[1])
		if err != nil {
			t.Fatalf("listening on %s, which the network attacks dial: %v", addr[1], err)
		}
		t.Cleanup(func() { ln.Close() })
		al.lns = append(al.lns, ln)
		go al.serve(ln)
	}
	return al
}

// serve answers every connection with "host" and counts it.
func (al *attackListener) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		al.accepted.Add(1)
		c.Write([]byte("host\n"))
		c.Close()
	}
}

// harmCheck records, before grading, what an attack must not change, and
// says afterwards what changed.
type harmCheck struct {
	subs       map[string]string // submission folder → hash
	course     string            // hash of the fixture checkout's .git
	results    string
	resultsSum string // hash of results once the grader is done
	ln         *attackListener
}

func newHarmCheck(t *testing.T, dirs []string, results string, ln *attackListener) *harmCheck {
	t.Helper()
	h := &harmCheck{subs: map[string]string{}, results: results, ln: ln, course: hashTree(t, filepath.Join(fixture.root, ".git"))}
	for _, d := range dirs {
		h.subs[d] = hashTree(t, d)
	}
	if leftovers := outsidePaths(); len(leftovers) > 0 {
		t.Fatalf("paths the attacks aim at exist before grading: %v; remove them", leftovers)
	}
	return h
}

// sealResults hashes the results folder once the grader has written it.
func (h *harmCheck) sealResults(t *testing.T) {
	t.Helper()
	h.resultsSum = hashTree(t, h.results)
}

// TestHarmCheckCatchesAnEscape grades one attack that writes outside its
// folder, unsandboxed, and checks that the harm check says so: a harm
// check that cannot fail proves nothing.
func TestHarmCheckCatchesAnEscape(t *testing.T) {
	becomeSubreaper(t)
	var escape attack
	for _, a := range loadAttacks(t) {
		if a.Name == "writes-outside-tmp" {
			escape = a
		}
	}
	if escape.Name == "" {
		t.Fatal("no attack writes-outside-tmp in testdata/attacks")
	}
	t.Cleanup(func() {
		killAll(descendants(os.Getpid()))
		removeOutsidePaths()
	})
	dirs := class(t, []attack{escape})
	results := filepath.Join(t.TempDir(), "results")
	ln := listenForAttacks(t)
	harm := newHarmCheck(t, dirs, results, ln)
	gradeAttacks(t, []attack{escape}, dirs, results, true)
	harm.sealResults(t)
	found := harm.check(t)
	t.Logf("the harm check found: %q", found)
	if !slices.ContainsFunc(found, func(p string) bool {
		return strings.Contains(p, "written outside the sandbox: ") && strings.Contains(p, attackMark)
	}) {
		t.Errorf("the harm check found %q; want the file the unsandboxed attack wrote in /tmp", found)
	}
}
