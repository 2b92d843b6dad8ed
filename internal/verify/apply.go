package verify

import (
	"path/filepath"

	"github.com/goperflabs/labs/internal/course"
	"github.com/goperflabs/labs/internal/manifest"
	"github.com/goperflabs/labs/internal/overlay"
	"github.com/goperflabs/labs/internal/stage"
)

// applied is a fix made ready to run: the course to run the lab in and
// the overlay that swaps the fix's Go files in ("" for none).
type applied struct {
	course  *course.Course
	overlay string
	staged  *stage.Staged // nil when the fix has no data files
}

// done removes the private copy, if any.
func (a applied) done() {
	if a.staged != nil {
		a.staged.Remove()
	}
}

// apply readies files (a name in the lab's folder → the fix's file) for a
// run. Go files go into an overlay named name; data files (default.pgo),
// which the go command and the tests read from disk, need a private copy
// of the course with them in the lab's folder, so that runs of the same
// lab at once cannot see each other's files.
//
// Do not combine the overlay with -cover: coverage ignores an overlay
// (golang/go#73802) and would test the lab's own files instead.
func apply(c *course.Course, l manifest.Lab, files map[string]string, name, tmp string) (applied, error) {
	a := applied{course: c}
	if data := stage.DataFiles(files); len(data) > 0 {
		s, err := stage.Course(c, l, data, tmp)
		if err != nil {
			return a, err
		}
		a.course, a.staged = s.Course, s
	}
	replace := map[string]string{}
	for f, src := range files {
		if manifest.IsGo(f) {
			replace[filepath.Join(a.course.Dir(l), f)] = src
		}
	}
	if len(replace) == 0 {
		return a, nil
	}
	a.overlay = filepath.Join(tmp, name)
	if err := overlay.Write(a.overlay, replace); err != nil {
		a.done()
		return applied{}, err
	}
	return a, nil
}
