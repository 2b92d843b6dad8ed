// Package stage gives one run of a lab a private copy of the course with
// data files put into the lab's folder.
//
// A solution, a kept fix or a submission is swapped in with `go test
// -overlay`, but an overlay only reaches the Go files the go command
// compiles. A data file such as default.pgo is read from disk, by the go
// command (which finds default.pgo itself) and by the lab's tests, so it
// must really be in the lab's folder. Writing it into a shared course would
// let concurrent runs of the same lab see each other's files, and would
// change a learner's working tree; so each such run gets its own copy,
// removed when the run is over.
//
// # Usage
//
//	staged, err := stage.Course(c, l, map[string]string{"default.pgo": src}, tmp)
//	if err != nil { … }
//	defer staged.Remove()
//	labrun.Verdict(ctx, staged.Course, l, opts) // overlays name staged.Course's files
package stage

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/goperflabs/labs/internal/course"
	"github.com/goperflabs/labs/internal/manifest"
)

// Staged is a private copy of a course.
type Staged struct {
	Course *course.Course
	dir    string
}

// Remove deletes the copy.
func (s *Staged) Remove() { os.RemoveAll(s.dir) }

// Course copies the course c into a new folder under tmp (all but hidden
// folders such as .git and .perflab), writes each of files (a name in the
// lab's folder → the file to copy there) into the copy's lab folder, and
// returns the copy, loaded. c's own files are never written.
func Course(c *course.Course, l manifest.Lab, files map[string]string, tmp string) (*Staged, error) {
	if rel, err := filepath.Rel(c.Root, tmp); err == nil && filepath.IsLocal(rel) || rel == "." {
		return nil, fmt.Errorf("stage %s: the folder for copies, %s, is inside the course", l.ID(), tmp)
	}
	dir, err := os.MkdirTemp(tmp, "stage-"+l.Chapter+"-"+l.Name+"-")
	if err != nil {
		return nil, fmt.Errorf("making a private copy of the course: %w", err)
	}
	s := &Staged{dir: dir}
	if err := copyTree(c.Root, dir); err != nil {
		s.Remove()
		return nil, fmt.Errorf("copying the course for %s: %w", l.ID(), err)
	}
	for name, src := range files {
		if filepath.Base(name) != name {
			s.Remove()
			return nil, fmt.Errorf("stage %s: %q is not a file name of the lab folder", l.ID(), name)
		}
		if err := copyFile(src, filepath.Join(dir, l.Chapter, l.Name, name), 0o644); err != nil {
			s.Remove()
			return nil, fmt.Errorf("putting %s into the copy of %s: %w", name, l.ID(), err)
		}
	}
	if s.Course, err = course.Load(dir); err != nil {
		s.Remove()
		return nil, err
	}
	return s, nil
}

// DataFiles picks the files that need a stage out of files (a name in the
// lab's folder → its source): those that are not Go source.
func DataFiles(files map[string]string) map[string]string {
	out := map[string]string{}
	for name, src := range files {
		if !manifest.IsGo(name) {
			out[name] = src
		}
	}
	return out
}

// copyTree copies the regular files and folders under src into dst,
// skipping hidden folders and links.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			if path != src && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return copyFile(path, target, info.Mode().Perm())
	})
}

func copyFile(src, dst string, perm os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, perm|0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
