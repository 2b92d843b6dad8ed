package grade

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/goperflabs/labs/internal/manifest"
)

// Intake limits.
const (
	maxEditFile = 1 << 20 // bytes in one edit file
	maxIgnored  = 200     // ignored files listed in a report
	maxWalk     = 50000   // files and folders looked at in a submission
)

// errLabFolderLink is why a lab scores 0 when a folder on the way to one
// of its edit files (the chapter's, the lab's) is a link.
var errLabFolderLink = errors.New("lab folder is a link")

// Submission is what grade takes from a student's folder: the edit files
// of each lab (copied, so that the folder is not read again), and the list
// of what else differs from the course and is ignored.
type Submission struct {
	Name   string // the folder's name, as given
	Dir    string // absolute, links resolved: the folder that holds the course's folders
	Commit string // HEAD of the folder's own git checkout, or ""
	// Digest is a SHA-256 of every edit file: the grade depends on
	// nothing else.
	Digest string
	// Refused, when not "", is why every lab scores 0: the submission as
	// a whole has a shape grade does not read (see ReadSubmission).
	Refused string
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
//
// dir may be a link (it is resolved once); nothing under it is followed.
// The course's folders are found with SubmissionRoot. A lab scores 0 when
// a folder on the way to one of its edit files is a link ("lab folder is a
// link"), or when an edit file is a link, a hard link, not a regular file
// or too large. Every lab scores 0 (Refused) when the course's folders
// are not found, when the submission holds a device file, a FIFO or a
// socket anywhere, or when it has more than maxWalk files and folders.
// Other links are listed as ignored, never followed. The error is for
// intake itself failing, or dir not being a folder.
func ReadSubmission(ctx context.Context, c *Course, dir string) (*Submission, error) {
	name, upload, err := resolveUpload(dir)
	if err != nil {
		return nil, err
	}
	s := &Submission{Name: name, Dir: upload, files: map[string]string{}, missing: map[string]string{}}
	if s.tmp, err = os.MkdirTemp("", "perflab-submission-"); err != nil {
		return nil, fmt.Errorf("making a folder for the submission: %w", err)
	}
	root, err := SubmissionRoot(c, upload)
	var layout *LayoutError
	switch {
	case errors.As(err, &layout):
		s.Refused = layout.Error()
	case err != nil:
		s.Close()
		return nil, err
	default:
		s.Dir = root
		if err := s.read(ctx, c); err != nil {
			s.Close()
			return nil, err
		}
	}
	if err := s.digest(c); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// resolveUpload returns the name of dir and dir as an absolute path with
// its links resolved, once: the teacher chose it. It must be a folder.
func resolveUpload(dir string) (string, string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", "", fmt.Errorf("submission %s: %w", dir, err)
	}
	resolved, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", "", fmt.Errorf("submission %s: not a folder: %w", dir, err)
	}
	if st, err := os.Lstat(resolved); err != nil || !st.IsDir() {
		return "", "", fmt.Errorf("submission %s: not a folder", dir)
	}
	return filepath.Base(abs), resolved, nil
}

// LayoutError is why an upload does not have the course's layout: its
// message is one line saying what to upload.
type LayoutError struct{ Msg string }

// Error returns the one line.
func (e *LayoutError) Error() string { return e.Msg }

// SubmissionRoot returns the folder of an upload that holds the course's
// folders (01-memory/, …): dir itself when one of the course's chapter
// folders is at its top, or else dir's one folder when dir holds nothing
// but that folder (a zip of the repository's folder, as Gradescope
// unpacks it; hidden entries and __MACOSX are not counted) and it has a
// chapter folder at its top. dir must be absolute with its links
// resolved; nothing under it is followed. Any other upload, such as a few
// .go files, is a *LayoutError.
func SubmissionRoot(c *Course, dir string) (string, error) {
	if hasChapter(c, dir) {
		return dir, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("reading submission %s: %w", dir, err)
	}
	var kept []fs.DirEntry
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") && e.Name() != "__MACOSX" {
			kept = append(kept, e)
		}
	}
	if len(kept) == 1 {
		one := kept[0]
		inner := filepath.Join(dir, one.Name())
		switch {
		case one.Type()&fs.ModeSymlink != 0:
			return "", &LayoutError{fmt.Sprintf("the submission's one folder, %s, is a link: upload the repository itself", one.Name())}
		case one.IsDir() && hasChapter(c, inner):
			return inner, nil
		}
	}
	return "", &LayoutError{fmt.Sprintf("the submission has no %s folder, at its top or in its one folder: upload your whole repository (or a zip of its folder), not single files", strings.Join(chapterDirs(c), ", "))}
}

// hasChapter reports whether one of the course's chapter folders is at
// the top of dir, of whatever type (a link there is refused later, lab by
// lab).
func hasChapter(c *Course, dir string) bool {
	for _, ch := range chapterDirs(c) {
		if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(ch))); err == nil {
			return true
		}
	}
	return false
}

// chapterDirs lists the course's chapter folders, in teaching order.
func chapterDirs(c *Course) []string {
	var out []string
	for _, ch := range c.Chapters {
		out = append(out, ch.Dir)
	}
	return out
}

// digest sets s.Digest from the copied edit files, in the course's order,
// and from the refusal if any, so that a batch does not take the report
// of a refused submission for that of one with no edit files.
func (s *Submission) digest(c *Course) error {
	h := sha256.New()
	if s.Refused != "" {
		fmt.Fprintf(h, "refused %s\n", s.Refused)
	}
	for _, l := range c.Labs() {
		for _, f := range l.Edit {
			key := l.ID() + "/" + f
			if p, ok := s.files[key]; ok {
				if err := digestFile(h, key, p); err != nil {
					return err
				}
			}
		}
	}
	s.Digest = hex.EncodeToString(h.Sum(nil))
	return nil
}

// submissionCommit is HEAD of the submission's own repository: only a
// .git that is a folder of its own (a .git file, "gitdir: …", could name
// the teacher's repository or a classmate's), read by git with that
// folder named and no search above it; "" otherwise.
func submissionCommit(ctx context.Context, dir string) string {
	gitDir := filepath.Join(dir, ".git")
	if st, err := os.Lstat(gitDir); err != nil || !st.IsDir() {
		return ""
	}
	cmd := exec.CommandContext(ctx, "git", "--git-dir="+gitDir, "--work-tree="+dir, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
	cmd.Env = append(os.Environ(), "GIT_CEILING_DIRECTORIES="+filepath.Dir(dir), "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// read walks the submission at s.Dir, refuses it as a whole if its shape
// says so, and otherwise takes the edit files and lists what is ignored.
func (s *Submission) read(ctx context.Context, c *Course) error {
	t, err := walkTree(s.Dir)
	if err != nil {
		return fmt.Errorf("reading submission %s: %w", s.Name, err)
	}
	if s.Refused = t.refusal(); s.Refused != "" {
		return nil
	}
	s.Commit = submissionCommit(ctx, s.Dir)
	for _, l := range c.Labs() {
		for _, f := range l.Edit {
			key := l.ID() + "/" + f
			if err := s.take(key); err != nil {
				s.missing[key] = err.Error()
			}
		}
	}
	return s.listIgnored(c, t)
}

// Close removes the copies of the edit files.
func (s *Submission) Close() { os.RemoveAll(s.tmp) }

// File returns the copy of a lab's edit file, or why there is none.
func (s *Submission) File(l manifest.Lab, name string) (string, string) {
	if s.Refused != "" {
		return "", s.Refused
	}
	key := l.ID() + "/" + name
	if p, ok := s.files[key]; ok {
		return p, ""
	}
	return "", s.missing[key]
}

// take copies one edit file, which must be a regular file with one link
// and at most maxEditFile bytes, reached through folders none of which is
// a link. Every component is checked with Lstat for the reason; the file
// is then opened without following any link and checked again with Fstat.
func (s *Submission) take(key string) error {
	st, err := lstatPath(s.Dir, key)
	if err != nil {
		return err
	}
	if err := checkEdit(key, st); err != nil {
		return err
	}
	data, fi, err := readNoFollow(s.Dir, key, maxEditFile+1)
	switch {
	case errors.Is(err, errLabFolderLink):
		return err
	case err != nil:
		return fmt.Errorf("reading %s: %w", key, err)
	case !os.SameFile(st, fi):
		return fmt.Errorf("%s changed while grade read it", key)
	}
	if err := checkEdit(key, fi); err != nil {
		return err
	}
	if len(data) > maxEditFile {
		return fmt.Errorf("%s is over %d KiB: submit the file the lab asks for", key, maxEditFile>>10)
	}
	dst := filepath.Join(s.tmp, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("copying %s: %w", key, err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		return fmt.Errorf("copying %s: %w", key, err)
	}
	s.files[key] = dst
	return nil
}

// digestFile adds one copied edit file to the digest.
func digestFile(h io.Writer, key, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("digest of %s: %w", key, err)
	}
	fmt.Fprintf(h, "%s %d\n", key, len(data))
	h.Write(data)
	return nil
}

// lstatPath checks every component of the slash path rel under root with
// os.Lstat, following no link, and returns the last one's. A folder on
// the way that is a link is errLabFolderLink.
func lstatPath(root, rel string) (fs.FileInfo, error) {
	parts := strings.Split(rel, "/")
	p := root
	for i, part := range parts {
		p = filepath.Join(p, part)
		st, err := os.Lstat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR):
			return nil, fmt.Errorf("the submission has no %s", rel)
		case err != nil:
			return nil, fmt.Errorf("reading %s: %w", rel, err)
		case i == len(parts)-1:
			return st, nil
		case st.Mode()&fs.ModeSymlink != 0:
			return nil, errLabFolderLink
		case !st.IsDir():
			return nil, fmt.Errorf("the submission has no %s", rel)
		}
	}
	return nil, fmt.Errorf("the submission has no %s", rel)
}

// checkEdit says why an edit file, as Lstat or Fstat saw it, is not taken.
func checkEdit(key string, fi fs.FileInfo) error {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%s is not a regular file but a link: submit the file itself", key)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file", key)
	case linkCount(fi) > 1:
		return fmt.Errorf("%s has %d hard links: submit a file of its own, not a link to another", key, linkCount(fi))
	case fi.Size() > maxEditFile:
		return fmt.Errorf("%s is %d KiB; the limit is %d KiB: submit the file the lab asks for", key, (fi.Size()+1023)>>10, maxEditFile>>10)
	}
	return nil
}

// readNoFollow reads at most limit bytes of the regular file at the slash
// path rel under root, opened without following any link (openNoFollow),
// and returns what Fstat says of the file it read.
func readNoFollow(root, rel string, limit int64) ([]byte, fs.FileInfo, error) {
	f, err := openNoFollow(root, rel)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("stat of %s: %w", rel, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fi, fmt.Errorf("%s is not a regular file", rel)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit))
	if err != nil {
		return nil, fi, fmt.Errorf("reading %s: %w", rel, err)
	}
	return data, fi, nil
}

func sameDir(a, b string) bool {
	ea, err1 := filepath.EvalSymlinks(a)
	eb, err2 := filepath.EvalSymlinks(b)
	return err1 == nil && err2 == nil && ea == eb
}

// listIgnored compares the files that could change a verdict (Go files,
// manifests, go.mod, go.sum, go.work) between the course and the
// submission, and lists every link of the submission, none of which is
// followed. Edit files are not listed: they are what grade takes.
func (s *Submission) listIgnored(c *Course, t *tree) error {
	edit, labDirs := map[string]bool{}, map[string]bool{}
	for _, l := range c.Labs() {
		labDirs[l.ID()] = true
		for _, f := range l.Edit {
			edit[l.ID()+"/"+f] = true
		}
	}
	course, err := walkTree(c.Root)
	if err != nil {
		return fmt.Errorf("listing the course: %w", err)
	}
	inCourse, inSub := setOf(course.files), setOf(t.files)
	var out []Ignored
	for _, p := range course.files {
		switch {
		case edit[p] || underLink(p, t.links):
		case !inSub[p]:
			out = append(out, Ignored{p, "deleted", kindOf(p, labDirs, false)})
		case !sameContent(filepath.Join(c.Root, p), s.Dir, p):
			out = append(out, Ignored{p, "changed", kindOf(p, labDirs, false)})
		}
	}
	for _, p := range t.files {
		if !edit[p] && !inCourse[p] {
			out = append(out, Ignored{p, "added", kindOf(p, labDirs, true)})
		}
	}
	for _, p := range t.links {
		change := "added"
		if _, err := os.Lstat(filepath.Join(c.Root, filepath.FromSlash(p))); err == nil {
			change = "changed"
		}
		out = append(out, Ignored{p, change, "link, not followed"})
	}
	slices.SortFunc(out, func(a, b Ignored) int { return strings.Compare(a.Path, b.Path) })
	if len(out) > maxIgnored {
		s.IgnoredMore = len(out) - maxIgnored
		out = out[:maxIgnored]
	}
	s.Ignored = out
	return nil
}

func setOf(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, p := range list {
		m[p] = true
	}
	return m
}

// underLink reports whether p is one of links or under one of them.
func underLink(p string, links []string) bool {
	for _, l := range links {
		if p == l || strings.HasPrefix(p, l+"/") {
			return true
		}
	}
	return false
}

// tree is what one walk of a folder found, as slash paths from its root,
// sorted. The walk follows no link.
type tree struct {
	files   []string // regular files that could change a verdict, outside hidden folders and node_modules
	links   []string // symbolic links, anywhere
	special []string // device files, FIFOs and sockets, anywhere: "a FIFO at docs/p"
	over    bool     // there were more than maxWalk files and folders; the walk stopped
}

// walkTree walks the whole of root, hidden folders included, without
// following links, and stops after maxWalk files and folders.
func walkTree(root string) (*tree, error) {
	t := &tree{}
	n := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == root {
				return err
			}
			return nil
		}
		if n++; n > maxWalk {
			t.over = true
			return fs.SkipAll
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		switch typ := d.Type(); {
		case typ&fs.ModeSymlink != 0:
			t.links = append(t.links, rel)
		case typ.IsRegular():
			if relevant(d.Name()) && !inHiddenFolder(rel) {
				t.files = append(t.files, rel)
			}
		case !typ.IsDir():
			t.special = append(t.special, specialName(typ)+" at "+rel)
		}
		return nil
	})
	slices.Sort(t.files)
	slices.Sort(t.links)
	return t, err
}

// refusal is why the whole submission scores 0, or "".
func (t *tree) refusal() string {
	switch {
	case t.over:
		return fmt.Sprintf("the submission has more than %d files and folders: upload the repository alone, without build outputs or dependencies", maxWalk)
	case len(t.special) == 1:
		return fmt.Sprintf("the submission holds %s, which git cannot store: upload the repository's files only", t.special[0])
	case len(t.special) > 1:
		return fmt.Sprintf("the submission holds %s and %d more device files, FIFOs or sockets, which git cannot store: upload the repository's files only", t.special[0], len(t.special)-1)
	}
	return ""
}

// specialName names a file that is neither a folder, a regular file nor
// a link.
func specialName(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device file"
	}
	return "a file of an unknown type"
}

// inHiddenFolder reports whether the slash path rel is under a hidden
// folder (.git, .perflab) or node_modules, whose files grade does not list.
func inHiddenFolder(rel string) bool {
	dirs := strings.Split(rel, "/")
	for _, d := range dirs[:len(dirs)-1] {
		if strings.HasPrefix(d, ".") || d == "node_modules" {
			return true
		}
	}
	return false
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

// sameContent reports whether the submission's file at the slash path rel
// under root, read without following links, holds what the course's file
// at coursePath holds.
func sameContent(coursePath, root, rel string) bool {
	want, err := os.ReadFile(coursePath)
	if err != nil {
		return false
	}
	got, _, err := readNoFollow(root, rel, int64(len(want))+1)
	return err == nil && bytes.Equal(want, got)
}
