package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/goperflabs/labs/internal/manifest"
)

// reset restores every file of a lab to the version git holds at REV
// (HEAD unless --from says otherwise), after copying the learner's current
// files to .perflab/backup/<time>/. It also brings back a lab folder the
// learner deleted, and removes an edit file the learner made that git
// does not ship (default.pgo). Nothing a learner wrote is lost.
func (a *app) reset(ctx context.Context, args []string) error {
	fs := a.flags("reset")
	from := fs.String("from", "HEAD", "")
	l, err := a.parseLab(fs, args)
	if err != nil {
		return err
	}
	if _, err := exec.LookPath("git"); err != nil {
		return fmt.Errorf("reset needs git, which is not on PATH: install git, or copy the files back by hand")
	}
	// Read every shipped file first, so that nothing is touched if git
	// cannot give them all.
	list, err := a.git(ctx, "ls-tree", "-r", "--name-only", *from, "--", l.ID()+"/")
	if err != nil || len(bytes.TrimSpace(list)) == 0 {
		return fmt.Errorf("git has no files of %s at %s; pass --from with a commit that has them, such as origin/main", l.ID(), *from)
	}
	shipped := map[string][]byte{}
	for _, rel := range strings.Split(strings.TrimSpace(string(list)), "\n") {
		out, err := a.git(ctx, "show", *from+":./"+rel)
		if err != nil {
			return fmt.Errorf("reading %s at %s from git: %w", rel, *from, err)
		}
		shipped[rel] = out
	}
	made := a.madeEditFiles(l, shipped)
	stamp, saved, err := a.backUp(shipped, made)
	if err != nil {
		return err
	}
	if err := a.writeFiles(shipped); err != nil {
		return err
	}
	for _, rel := range made {
		if err := os.Remove(filepath.Join(a.course.Root, filepath.FromSlash(rel))); err != nil {
			return fmt.Errorf("removing your %s (it is in the backup): %w", rel, err)
		}
		fmt.Fprintf(a.stdout, "removed %s, which the lab does not ship\n", rel)
	}
	if saved > 0 {
		fmt.Fprintf(a.stdout, "your changed files (%d) are saved in .perflab/backup/%s\n", saved, stamp)
	}
	fmt.Fprintf(a.stdout, "restored %s (%d files) to the version at %s\n", l.ID(), len(shipped), *from)
	if saved > 0 {
		fmt.Fprintf(a.stdout, "to undo: go run ./cmd/perflab restore %s %s\n", l.ID(), stamp)
	}
	return nil
}

// madeEditFiles lists the lab's edit files that the learner made and git
// does not ship (a default.pgo), as course-relative paths: reset removes
// them, after the backup.
func (a *app) madeEditFiles(l manifest.Lab, shipped map[string][]byte) []string {
	var out []string
	for _, f := range l.Edit {
		rel := l.ID() + "/" + f
		if _, ok := shipped[rel]; ok {
			continue
		}
		if st, err := os.Lstat(filepath.Join(a.course.Root, filepath.FromSlash(rel))); err == nil && st.Mode().IsRegular() {
			out = append(out, rel)
		}
	}
	return out
}

// backUp copies the current version of each file about to be replaced by
// files (course-relative paths) that exists and differs, and of each file
// about to be removed, into a new .perflab/backup/<time>/ folder. It
// returns the folder's name and how many files it saved.
func (a *app) backUp(files map[string][]byte, removed []string) (string, int, error) {
	stamp := time.Now().Format("20060102-150405.000")
	backup := filepath.Join(a.backupRoot(), stamp)
	saved := 0
	for rel, content := range a.withRemoved(files, removed) {
		cur, err := os.ReadFile(filepath.Join(a.course.Root, filepath.FromSlash(rel)))
		if os.IsNotExist(err) || content != nil && bytes.Equal(cur, content) {
			continue
		}
		if err != nil {
			return "", 0, fmt.Errorf("reading %s for the backup: %w", rel, err)
		}
		dst := filepath.Join(backup, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return "", 0, fmt.Errorf("making the backup folder: %w", err)
		}
		if err := os.WriteFile(dst, cur, 0o644); err != nil {
			return "", 0, fmt.Errorf("backing up %s: %w", rel, err)
		}
		saved++
	}
	return stamp, saved, nil
}

// withRemoved is files plus each removed path, with nil content: a file
// to remove is always backed up.
func (a *app) withRemoved(files map[string][]byte, removed []string) map[string][]byte {
	out := make(map[string][]byte, len(files)+len(removed))
	for rel, content := range files {
		out[rel] = content
	}
	for _, rel := range removed {
		out[rel] = nil
	}
	return out
}

func (a *app) backupRoot() string { return filepath.Join(a.course.Root, ".perflab", "backup") }

// writeFiles writes each course-relative file, making folders as needed.
func (a *app) writeFiles(files map[string][]byte) error {
	for rel, content := range files {
		path := filepath.Join(a.course.Root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("restoring %s: %w", rel, err)
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			return fmt.Errorf("restoring %s: %w", rel, err)
		}
	}
	return nil
}

func (a *app) git(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = a.course.Root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git %s: %s", args[0], bytes.TrimSpace(stderr.Bytes()))
	}
	return out, nil
}
