package grade

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSubmissionRoot finds the course's folders in Gradescope's two
// shapes of upload and refuses a flat one in one line.
func TestSubmissionRoot(t *testing.T) {
	course := newSub(t, "course").dir
	flat := t.TempDir()
	for _, f := range []string{"index.go", "index_test.go"} {
		if err := os.WriteFile(filepath.Join(flat, f), []byte("package retention\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	zipped := t.TempDir()
	if err := os.Rename(course, filepath.Join(zipped, "labs-main")); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(zipped, "__MACOSX"), 0o755)
	os.WriteFile(filepath.Join(zipped, ".DS_Store"), nil, 0o644)
	linked := t.TempDir()
	os.Symlink(filepath.Join(zipped, "labs-main"), filepath.Join(linked, "labs-main"))
	for _, tc := range []struct {
		name, dir, want, err string
	}{
		{"repository at the top", filepath.Join(zipped, "labs-main"), filepath.Join(zipped, "labs-main"), ""},
		{"zip of the repository's folder", zipped, filepath.Join(zipped, "labs-main"), ""},
		{"flat files", flat, "", "the submission has no 01-memory, 02-fixtures folder, at its top or in its one folder: upload your whole repository (or a zip of its folder), not single files"},
		{"its one folder a link", linked, "", "the submission's one folder, labs-main, is a link: upload the repository itself"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := SubmissionRoot(fixture.course, tc.dir)
			var layout *LayoutError
			if got != tc.want || (tc.err == "") != (err == nil) || (err != nil && (!errors.As(err, &layout) || err.Error() != tc.err)) {
				t.Errorf("got %q, %v; want %q, %q", got, err, tc.want, tc.err)
			}
		})
	}
}

// TestSubmissionFlatUploadIsRefused: ReadSubmission turns a flat upload
// into a submission whose every lab scores 0 with the line that says what
// to upload, so that Gradescope still gets results; a zip of the
// repository's folder is read from inside it.
func TestSubmissionFlatUploadIsRefused(t *testing.T) {
	flat := t.TempDir()
	os.WriteFile(filepath.Join(flat, "sum.go"), []byte(solvedSum), 0o644)
	in, err := ReadSubmission(context.Background(), fixture.course, flat)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if !strings.Contains(in.Refused, "upload your whole repository") || strings.Contains(in.Refused, "\n") {
		t.Errorf("refused %q; want one line saying what to upload", in.Refused)
	}
	wantFiles(t, in, in.Refused, nil)

	zipped := t.TempDir()
	if err := copyTree(fixture.course.Root, filepath.Join(zipped, "labs-main")); err != nil {
		t.Fatal(err)
	}
	(&sub{t, filepath.Join(zipped, "labs-main")}).solved()
	in2, err := ReadSubmission(context.Background(), fixture.course, zipped)
	if err != nil {
		t.Fatal(err)
	}
	defer in2.Close()
	if in2.Refused != "" || in2.Dir != filepath.Join(zipped, "labs-main") {
		t.Errorf("refused %q, dir %s; want the repository's folder", in2.Refused, in2.Dir)
	}
	wantFiles(t, in2, "", nil)
}

// link makes a symbolic link at rel in s to target, replacing what is
// there.
func link(t *testing.T, s *sub, target, rel string) {
	t.Helper()
	path := filepath.Join(s.dir, filepath.FromSlash(rel))
	if err := os.RemoveAll(path); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
}

// wantFiles checks that every lab's edit file was taken, but those of
// labs (with their reason), or none if the submission was refused.
func wantFiles(t *testing.T, in *Submission, refused string, labs map[string]string) {
	t.Helper()
	for _, l := range fixture.course.Labs() {
		for _, f := range l.Edit {
			path, why := in.File(l, f)
			want, hurt := labs[l.ID()]
			if refused != "" {
				want, hurt = refused, true
			}
			switch {
			case hurt && (path != "" || why != want):
				t.Errorf("%s: took %q, reason %q; want reason %q", l.ID(), path, why, want)
			case !hurt && (path == "" || why != ""):
				t.Errorf("%s: not taken (%q); it should be", l.ID(), why)
			}
		}
	}
}

// TestIntakeSubmissionFolderMayBeALink: the folder given to grade may be
// a link; it is resolved once, and nothing is refused.
func TestIntakeSubmissionFolderMayBeALink(t *testing.T) {
	s := newSub(t, "alice").solved()
	alias := filepath.Join(t.TempDir(), "alice-link")
	if err := os.Symlink(s.dir, alias); err != nil {
		t.Fatal(err)
	}
	in, err := ReadSubmission(context.Background(), fixture.course, alias)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if in.Refused != "" || in.Name != "alice-link" {
		t.Errorf("refused %q, name %q; want none and alice-link", in.Refused, in.Name)
	}
	wantFiles(t, in, "", nil)
}

// TestIntakeGitFileIsNotFollowed: a .git that is a file ("gitdir: …")
// could name the teacher's repository or a classmate's; the submission's
// commit is read only from a .git folder of its own (a fresh reviewer's
// .git file put the teacher's commit in the report).
func TestIntakeGitFileIsNotFollowed(t *testing.T) {
	s := newSub(t, "git-file")
	s.write(".git", "gitdir: "+filepath.Join(fixture.root, ".git")+"\n")
	sub, err := ReadSubmission(context.Background(), fixture.course, s.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if sub.Commit != "" {
		t.Errorf("commit %q read through a .git file, want none", sub.Commit)
	}
	own := newSub(t, "git-own")
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "work"}} {
		if err := git(own.dir, args...); err != nil {
			t.Fatal(err)
		}
	}
	sub2, err := ReadSubmission(context.Background(), fixture.course, own.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer sub2.Close()
	if len(sub2.Commit) != 40 {
		t.Errorf("commit %q of the submission's own repository, want its HEAD", sub2.Commit)
	}
}
