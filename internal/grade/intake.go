package grade

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/goperflabs/labs/internal/manifest"
)

// Intake limits.
const (
	maxEditFile = 1 << 20 // bytes in one edit file
	maxIgnored  = 200     // ignored files listed in a report
	maxWalk     = 50000   // files looked at in a submission
)

// Submission is what grade takes from a student's folder: the edit files
// of each lab (copied, so that the folder is not read again), and the list
// of what else differs from the course and is ignored.
type Submission struct {
	Name   string // the folder's name
	Dir    string // absolute
	Commit string // HEAD of the folder's own git checkout, or ""
	// Digest is a SHA-256 of every edit file: the grade depends on
	// nothing else.
	Digest  string
	Ignored []Ignored
	// IgnoredMore counts ignored files past the first maxIgnored.
	IgnoredMore int

	files   map[string]string // "01-memory/retention/index.go" → its copy
	missing map[string]string // the same key → why it was not taken
	tmp     string
}

// Ignored is a file of the submission that differs from the course and
// that grade did not use.
type Ignored struct {
	Path   string `json:"path"`   // from the submission's root, with slashes
	Change string `json:"change"` // "changed", "added" or "deleted"
	Kind   string `json:"kind"`   // "test file", "test kit", "manifest", …
}

// ReadSubmission takes the edit files of every lab of c from dir and lists
// what else differs. Close removes the copies.
func ReadSubmission(ctx context.Context, c *Course, dir string) (*Submission, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("submission %s: %w", dir, err)
	}
	if st, err := os.Stat(abs); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("submission %s: not a folder", dir)
	}
	s := &Submission{Name: filepath.Base(abs), Dir: abs, files: map[string]string{}, missing: map[string]string{}}
	if top, err := gitOutput(ctx, abs, "rev-parse", "--show-toplevel"); err == nil && sameDir(top, abs) {
		s.Commit, _ = gitOutput(ctx, abs, "rev-parse", "HEAD")
	}
	if s.tmp, err = os.MkdirTemp("", "perflab-submission-"); err != nil {
		return nil, fmt.Errorf("making a folder for the submission: %w", err)
	}
	h := sha256.New()
	for _, l := range c.Labs() {
		for _, f := range l.Edit {
			key := l.ID() + "/" + f
			if err := s.take(key, h); err != nil {
				s.missing[key] = err.Error()
			}
		}
	}
	s.Digest = hex.EncodeToString(h.Sum(nil))
	if err := s.listIgnored(c); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close removes the copies of the edit files.
func (s *Submission) Close() { os.RemoveAll(s.tmp) }

// File returns the copy of a lab's edit file, or why there is none.
func (s *Submission) File(l manifest.Lab, name string) (string, string) {
	key := l.ID() + "/" + name
	if p, ok := s.files[key]; ok {
		return p, ""
	}
	return "", s.missing[key]
}

// take copies one edit file, which must be a regular file of at most
// maxEditFile bytes, and adds it to the digest.
func (s *Submission) take(key string, h io.Writer) error {
	src := filepath.Join(s.Dir, filepath.FromSlash(key))
	st, err := os.Lstat(src)
	switch {
	case err != nil:
		return fmt.Errorf("the submission has no %s", key)
	case !st.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file (a link?)", key)
	case st.Size() > maxEditFile:
		return fmt.Errorf("%s is %d KiB; the limit is %d KiB: submit the file the lab asks for", key, (st.Size()+1023)>>10, maxEditFile>>10)
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("reading %s: %w", key, err)
	}
	dst := filepath.Join(s.tmp, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("copying %s: %w", key, err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		return fmt.Errorf("copying %s: %w", key, err)
	}
	fmt.Fprintf(h, "%s %d\n", key, len(data))
	h.Write(data)
	s.files[key] = dst
	return nil
}

func sameDir(a, b string) bool {
	ea, err1 := filepath.EvalSymlinks(a)
	eb, err2 := filepath.EvalSymlinks(b)
	return err1 == nil && err2 == nil && ea == eb
}

// listIgnored compares the files that could change a verdict (Go files,
// manifests, go.mod, go.sum, go.work) between the course and the
// submission. Edit files are not listed: they are what grade takes.
func (s *Submission) listIgnored(c *Course) error {
	edit := map[string]bool{}
	for _, l := range c.Labs() {
		for _, f := range l.Edit {
			edit[l.ID()+"/"+f] = true
		}
	}
	courseFiles, _, err := relevantFiles(c.Root)
	if err != nil {
		return fmt.Errorf("listing the course: %w", err)
	}
	subFiles, more, err := relevantFiles(s.Dir)
	if err != nil {
		return fmt.Errorf("listing submission %s: %w", s.Name, err)
	}
	labDirs := map[string]bool{}
	for _, l := range c.Labs() {
		labDirs[l.ID()] = true
	}
	var out []Ignored
	for _, p := range courseFiles {
		if edit[p] {
			continue
		}
		if !slices.Contains(subFiles, p) {
			out = append(out, Ignored{p, "deleted", kindOf(p, labDirs, false)})
		} else if !sameContent(filepath.Join(c.Root, p), filepath.Join(s.Dir, p)) {
			out = append(out, Ignored{p, "changed", kindOf(p, labDirs, false)})
		}
	}
	for _, p := range subFiles {
		if !edit[p] && !slices.Contains(courseFiles, p) {
			out = append(out, Ignored{p, "added", kindOf(p, labDirs, true)})
		}
	}
	slices.SortFunc(out, func(a, b Ignored) int { return strings.Compare(a.Path, b.Path) })
	if len(out) > maxIgnored {
		s.IgnoredMore = len(out) - maxIgnored
		out = out[:maxIgnored]
	}
	s.IgnoredMore += more
	s.Ignored = out
	return nil
}

// relevantFiles lists, sorted, the files under root that could change a
// verdict, as slash paths from root, and how many were past maxWalk.
// Hidden folders (.git, .perflab) and links are not followed.
func relevantFiles(root string) ([]string, int, error) {
	var out []string
	more := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !relevant(name) {
			return nil
		}
		if len(out) >= maxWalk {
			more++
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	slices.Sort(out)
	return out, more, err
}

func relevant(name string) bool {
	switch name {
	case manifest.FileName, "go.mod", "go.sum", "go.work", "go.work.sum":
		return true
	}
	return strings.HasSuffix(name, ".go")
}

// kindOf names what a path is, for the list of ignored files.
func kindOf(p string, labDirs map[string]bool, added bool) string {
	base := p[strings.LastIndex(p, "/")+1:]
	switch {
	case strings.HasSuffix(base, "_test.go"):
		return "test file"
	case strings.HasPrefix(p, "internal/testkit/"):
		return "test kit"
	case base == manifest.FileName:
		return "manifest"
	case strings.HasPrefix(base, "go."):
		return "module file"
	case strings.HasPrefix(p, "solutions/"):
		return "reference solution"
	case strings.HasPrefix(p, "internal/") || strings.HasPrefix(p, "cmd/"):
		return "course tool"
	}
	for dir := p; strings.Contains(dir, "/"); {
		dir = dir[:strings.LastIndex(dir, "/")]
		if labDirs[dir] {
			if added {
				return "extra .go file in a lab folder"
			}
			return "lab file that is not an edit file"
		}
	}
	return "other Go file"
}

func sameContent(a, b string) bool {
	da, err1 := os.ReadFile(a)
	db, err2 := os.ReadFile(b)
	return err1 == nil && err2 == nil && bytes.Equal(da, db)
}
