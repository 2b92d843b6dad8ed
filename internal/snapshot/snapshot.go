// Package snapshot writes out a course as git has it at one commit, so that
// perflab can prove or grade the labs as they were committed, whatever the
// working tree holds: a learner's fixes, half-done edits, a deleted folder.
//
// # Usage
//
//	dir, err := snapshot.Export(ctx, courseRoot, "HEAD", tmp)
//	if errors.Is(err, snapshot.ErrNotGit) {
//		// fall back to the working tree, and say so
//	}
//
// It runs `git archive` on the course's folder at the commit and unpacks
// the tar stream itself; the working tree and the index are never touched.
package snapshot

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ErrNotGit means the course is not inside a git checkout, or git is not
// installed.
var ErrNotGit = errors.New("not a git checkout")

// Export writes the files of the course at root, as committed at rev, into
// a new folder under dst, and returns that folder. root may be a
// subfolder of the repository.
func Export(ctx context.Context, root, rev, dst string) (string, error) {
	commit, err := Commit(ctx, root, rev)
	if err != nil {
		return "", err
	}
	out := filepath.Join(dst, "course-"+commit[:12])
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", fmt.Errorf("making the snapshot folder: %w", err)
	}
	return out, Into(ctx, root, commit, out)
}

// Into writes the files of the course at root, as committed at commit,
// into the existing folder dir.
func Into(ctx context.Context, root, commit, dir string) error {
	prefix, err := prefixOf(ctx, root)
	if err != nil {
		return err
	}
	tree := commit
	if prefix != "" {
		tree += ":" + prefix
	}
	// git archive of a tree path must run at the top of the repository.
	top, err := git(ctx, root, "rev-parse", "--show-toplevel")
	if err != nil {
		return fmt.Errorf("%w: %s", ErrNotGit, root)
	}
	cmd := exec.CommandContext(ctx, "git", "archive", "--format=tar", tree)
	cmd.Dir = strings.TrimSpace(top)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("git archive: %w", err)
	}
	untarErr := untar(stdout, dir)
	_, _ = io.Copy(io.Discard, stdout)
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("git archive %s: %v: %s", tree, err, strings.TrimSpace(stderr.String()))
	}
	if untarErr != nil {
		return fmt.Errorf("unpacking the snapshot: %w", untarErr)
	}
	return nil
}

// Commit returns the full hash rev names in the repository holding root.
func Commit(ctx context.Context, root, rev string) (string, error) {
	if _, err := prefixOf(ctx, root); err != nil {
		return "", err
	}
	out, err := git(ctx, root, "rev-parse", "--verify", "--quiet", rev+"^{commit}")
	if err != nil {
		return "", fmt.Errorf("%q is not a commit of this repository", rev)
	}
	return strings.TrimSpace(out), nil
}

// prefixOf returns root's path inside its repository ("" at the top).
func prefixOf(ctx context.Context, root string) (string, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return "", fmt.Errorf("%w: git is not installed", ErrNotGit)
	}
	out, err := git(ctx, root, "rev-parse", "--show-prefix")
	if err != nil {
		return "", fmt.Errorf("%w: %s", ErrNotGit, root)
	}
	return strings.TrimSuffix(strings.TrimSpace(out), "/"), nil
}

func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	return string(out), err
}

// untar writes the regular files and folders of a tar stream under dir.
func untar(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.FromSlash(h.Name)
		if !filepath.IsLocal(name) {
			return fmt.Errorf("unsafe path %q in the archive", h.Name)
		}
		path := filepath.Join(dir, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(path, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := writeFile(path, tr, os.FileMode(h.Mode).Perm()); err != nil {
				return err
			}
		}
	}
}

func writeFile(path string, r io.Reader, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, perm|0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
