//go:build unix

package grade

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
)

// shapeCase is a submission built from a copy of the fixture course with
// every solution in place, and what intake must make of it.
type shapeCase struct {
	name  string
	build func(t *testing.T, s *sub)
	// refused is the one line every lab scores 0 with, "" for none.
	refused string
	// labs maps a lab to the reason its edit file is not taken; every
	// other lab's edit file must be taken.
	labs map[string]string
	// ignored must each be in the list of ignored files.
	ignored []Ignored
}

// classmate is another submission in the same class folder as s,
// with every solution in place.
func classmate(t *testing.T, s *sub) string {
	t.Helper()
	bob := filepath.Join(filepath.Dir(s.dir), "bob")
	if err := copyTree(fixture.course.Root, bob); err != nil {
		t.Fatal(err)
	}
	(&sub{t, bob}).solved()
	return bob
}

func shapeCases() []shapeCase {
	const sumLink = "02-fixtures/sum/sum.go is not a regular file but a link: submit the file itself"
	return []shapeCase{
		{name: "honest"},
		{name: "lab folder linked to solutions", build: func(t *testing.T, s *sub) {
			link(t, s, filepath.Join(s.dir, "solutions/02-fixtures/sum"), "02-fixtures/sum")
		}, labs: map[string]string{"02-fixtures/sum": "lab folder is a link"},
			ignored: []Ignored{{"02-fixtures/sum", "changed", "link, not followed"}}},
		{name: "lab folder linked to a classmate's", build: func(t *testing.T, s *sub) {
			link(t, s, filepath.Join(classmate(t, s), "02-fixtures/sum"), "02-fixtures/sum")
		}, labs: map[string]string{"02-fixtures/sum": "lab folder is a link"}},
		{name: "chapter folder linked to a classmate's", build: func(t *testing.T, s *sub) {
			link(t, s, filepath.Join(classmate(t, s), "02-fixtures"), "02-fixtures")
		}, labs: map[string]string{"02-fixtures/sum": "lab folder is a link", "02-fixtures/counter": "lab folder is a link",
			"02-fixtures/square": "lab folder is a link", "02-fixtures/profile": "lab folder is a link",
			"02-fixtures/system": "lab folder is a link", "02-fixtures/benchfile": "lab folder is a link"},
			ignored: []Ignored{{"02-fixtures", "changed", "link, not followed"}}},
		{name: "edit file linked to the solution", build: func(t *testing.T, s *sub) {
			link(t, s, "../../solutions/02-fixtures/sum/sum.go", "02-fixtures/sum/sum.go")
		}, labs: map[string]string{"02-fixtures/sum": sumLink},
			ignored: []Ignored{{"02-fixtures/sum/sum.go", "changed", "link, not followed"}}},
		{name: "edit file hard-linked to a file outside", build: func(t *testing.T, s *sub) {
			outside := filepath.Join(t.TempDir(), "sum.go")
			if err := os.WriteFile(outside, []byte(solvedSum), 0o644); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(s.dir, "02-fixtures/sum/sum.go")
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			if err := os.Link(outside, path); err != nil {
				t.Skipf("no hard links here: %v", err)
			}
		}, labs: map[string]string{"02-fixtures/sum": "02-fixtures/sum/sum.go has 2 hard links: submit a file of its own, not a link to another"}},
		{name: "FIFO in a lab folder", build: func(t *testing.T, s *sub) {
			if err := syscall.Mkfifo(filepath.Join(s.dir, "02-fixtures/sum/pipe"), 0o644); err != nil {
				t.Skipf("no FIFOs here: %v", err)
			}
		}, refused: "the submission holds a FIFO at 02-fixtures/sum/pipe, which git cannot store: upload the repository's files only"},
		{name: "socket", build: func(t *testing.T, s *sub) {
			l, err := net.ListenUnix("unix", &net.UnixAddr{Name: filepath.Join(s.dir, "docs.sock"), Net: "unix"})
			if err != nil {
				t.Skipf("no unix sockets here: %v", err)
			}
			l.SetUnlinkOnClose(false)
			l.Close()
		}, refused: "the submission holds a socket at docs.sock, which git cannot store: upload the repository's files only"},
		{name: "link elsewhere", build: func(t *testing.T, s *sub) {
			link(t, s, "/etc/passwd", "docs/x")
		}, ignored: []Ignored{{"docs/x", "added", "link, not followed"}}},
		{name: "test file linked to a device", build: func(t *testing.T, s *sub) {
			link(t, s, "/dev/zero", "02-fixtures/sum/sum_test.go")
		}, ignored: []Ignored{{"02-fixtures/sum/sum_test.go", "changed", "link, not followed"}}},
	}
}

// TestIntakeShape builds each hostile shape of submission and checks the
// one line each lab (or the whole submission) scores 0 with.
func TestIntakeShape(t *testing.T) {
	for _, tc := range shapeCases() {
		t.Run(tc.name, func(t *testing.T) {
			s := newSub(t, "alice").solved()
			if tc.build != nil {
				tc.build(t, s)
			}
			in, err := ReadSubmission(context.Background(), fixture.course, s.dir)
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			if in.Refused != tc.refused {
				t.Errorf("refused %q, want %q", in.Refused, tc.refused)
			}
			wantFiles(t, in, tc.refused, tc.labs)
			for _, w := range tc.ignored {
				if !slices.Contains(in.Ignored, w) {
					t.Errorf("ignored list has no %+v; it is %+v", w, in.Ignored)
				}
			}
			if tc.build == nil && len(in.Ignored) != 0 {
				t.Errorf("ignored %+v in an honest submission", in.Ignored)
			}
		})
	}
}

// TestIntakeLinkedLabScoresZero grades a lab whose folder is a link to
// the solution: it scores 0 with the one line, and nothing runs.
func TestIntakeLinkedLabScoresZero(t *testing.T) {
	s := newSub(t, "alice")
	link(t, s, filepath.Join(s.dir, "solutions/02-fixtures/sum"), "02-fixtures/sum")
	rep := s.grade("02-fixtures/sum")
	l := rep.Lab("02-fixtures/sum")
	if l == nil || l.Score != 0 || l.Reason != "lab folder is a link" {
		t.Fatalf("02-fixtures/sum: %+v; want 0 with \"lab folder is a link\"", l)
	}
}

// TestIntakeLinkSwappedAfterCheck calls readNoFollow as take does after
// its Lstat checks, on paths that are links or a FIFO by then, as if they
// had been swapped in between: none is followed, and the FIFO does not
// block the open.
func TestIntakeLinkSwappedAfterCheck(t *testing.T) {
	s := newSub(t, "alice").solved()
	link(t, s, filepath.Join(s.dir, "solutions/02-fixtures/sum"), "02-fixtures/sum")
	link(t, s, "../../solutions/02-fixtures/counter/counter.go", "02-fixtures/counter/counter.go")
	fifo := filepath.Join(s.dir, "02-fixtures/square/square.go")
	os.Remove(fifo)
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	for rel, want := range map[string]string{
		"02-fixtures/sum/sum.go":         "lab folder is a link",
		"02-fixtures/counter/counter.go": "02-fixtures/counter/counter.go is not a regular file but a link: submit the file itself",
		"02-fixtures/square/square.go":   "02-fixtures/square/square.go is not a regular file",
	} {
		if data, _, err := readNoFollow(s.dir, rel, maxEditFile); err == nil || err.Error() != want {
			t.Errorf("%s: read %d bytes, error %v; want %q", rel, len(data), err, want)
		}
	}
}
