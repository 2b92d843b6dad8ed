package snapshot

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func gitIn(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestExportIgnoresTheWorkingTree(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	repo := t.TempDir()
	course := filepath.Join(repo, "course")
	write(t, filepath.Join(course, "lab", "a.go"), "shipped\n")
	write(t, filepath.Join(repo, "outside.txt"), "not the course\n")
	gitIn(t, repo, "init", "-q")
	gitIn(t, repo, "add", ".")
	gitIn(t, repo, "commit", "-qm", "one")

	// The learner edits, adds and deletes.
	write(t, filepath.Join(course, "lab", "a.go"), "fixed\n")
	write(t, filepath.Join(course, "lab", "extra.go"), "new\n")

	out, err := Export(context.Background(), course, "HEAD", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(out, "lab", "a.go"))
	if err != nil || string(data) != "shipped\n" {
		t.Errorf("a.go = %q, %v; want the committed file", data, err)
	}
	if _, err := os.Stat(filepath.Join(out, "lab", "extra.go")); err == nil {
		t.Error("an uncommitted file is in the snapshot")
	}
	if _, err := os.Stat(filepath.Join(out, "outside.txt")); err == nil {
		t.Error("a file outside the course folder is in the snapshot")
	}
}

func TestExportOutsideGit(t *testing.T) {
	dir := t.TempDir()
	_, err := Export(context.Background(), dir, "HEAD", t.TempDir())
	if !errors.Is(err, ErrNotGit) {
		t.Fatalf("Export outside git = %v, want ErrNotGit", err)
	}
}

func TestExportBadRevision(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	repo := t.TempDir()
	write(t, filepath.Join(repo, "a"), "x")
	gitIn(t, repo, "init", "-q")
	gitIn(t, repo, "add", ".")
	gitIn(t, repo, "commit", "-qm", "one")
	if _, err := Export(context.Background(), repo, "no-such-branch", t.TempDir()); err == nil || errors.Is(err, ErrNotGit) {
		t.Fatalf("Export of a missing revision = %v, want a clear error", err)
	}
}
