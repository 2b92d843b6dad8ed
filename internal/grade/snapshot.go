package grade

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/goperflabs/labs/internal/course"
	"github.com/goperflabs/labs/internal/screen"
	"github.com/goperflabs/labs/internal/snapshot"
)

// Course is the teacher's course, as committed: a copy of one commit in a
// folder of its own, so that nothing a submission holds (tests, the test
// kit, manifests, go.mod) is read.
type Course struct {
	*course.Course
	Source string // the checkout or folder it came from
	Commit string // the commit graded against; "" for a folder outside git
	Module string // the module path in go.mod
	// Requires are the module paths go.mod lists, direct and indirect.
	Requires []string
	tmp      string // removed by Close; "" when Root is Source itself
	guard    *integrity
}

// OpenCourse copies commit rev ("" means HEAD) of the git checkout at dir
// into a temporary folder and loads its manifests. A folder that is not in
// a git checkout is used as it is, read-only. Close removes the copy.
func OpenCourse(ctx context.Context, dir, rev string) (*Course, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("finding the course: %w", err)
	}
	if rev == "" {
		rev = "HEAD"
	}
	c := &Course{Source: abs}
	commit, err := gitOutput(ctx, abs, "rev-parse", "--verify", "--quiet", rev+"^{commit}")
	switch {
	case err == nil:
		if err := c.copyCommit(ctx, commit); err != nil {
			c.Close()
			return nil, err
		}
	case rev != "HEAD" || isGitCheckout(ctx, abs):
		return nil, fmt.Errorf("course %s: no commit %q: %w", abs, rev, err)
	default:
		if c.Course, err = course.Load(abs); err != nil {
			return nil, fmt.Errorf("course %s: %w", abs, err)
		}
	}
	if err := c.readGoMod(); err != nil {
		c.Close()
		return nil, err
	}
	if c.guard, err = newIntegrity(c.Root); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// copyCommit copies the commit of the checkout at c.Source into a
// temporary folder and loads its manifests from there.
func (c *Course) copyCommit(ctx context.Context, commit string) error {
	c.Commit = commit
	var err error
	if c.tmp, err = os.MkdirTemp("", "perflab-course-"); err != nil {
		return fmt.Errorf("making a folder for the course: %w", err)
	}
	if err := snapshot.Into(ctx, c.Source, commit, c.tmp); err != nil {
		return err
	}
	if c.Course, err = course.Load(c.tmp); err != nil {
		return fmt.Errorf("course at %s: %w", commit[:12], err)
	}
	return nil
}

// Close removes the course's copy.
func (c *Course) Close() {
	if c.tmp != "" {
		os.RemoveAll(c.tmp)
	}
}

// ShortCommit is the commit's first 12 digits, or "working tree".
func (c *Course) ShortCommit() string {
	if c.Commit == "" {
		return "working tree"
	}
	return c.Commit[:min(12, len(c.Commit))]
}

func isGitCheckout(ctx context.Context, dir string) bool {
	_, err := gitOutput(ctx, dir, "rev-parse", "--git-dir")
	return err == nil
}

func gitOutput(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return "", fmt.Errorf("git %s: %s", args[0], msg)
		}
		return "", fmt.Errorf("git %s: %w", args[0], err)
	}
	return strings.TrimSpace(string(out)), nil
}

// readGoMod reads the module path and the required modules of the course.
func (c *Course) readGoMod() error {
	var err error
	c.Module, c.Requires, err = screen.Modules(c.Root)
	return err
}
