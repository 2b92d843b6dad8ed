package course

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/goperflabs/labs/internal/manifest"
	"github.com/goperflabs/labs/internal/overlay"
)

// WriteOverlay writes, in dir, the file that `go test -overlay` reads to
// swap the lab's edited files for the reference solution, and returns its
// path. Paths in it are absolute: go ignores a relative one silently. The
// learner's files are not touched.
//
// Do not combine -overlay with -cover: coverage ignores the overlay
// (golang/go#73802) and would test the learner's files instead.
func (c *Course) WriteOverlay(l manifest.Lab, dir string) (string, error) {
	replace := map[string]string{}
	for _, f := range l.Edit {
		sol := c.SolutionFile(l, f)
		if _, err := os.Stat(sol); err != nil {
			return "", fmt.Errorf("lab %s: no reference solution for %s: %w", l.ID(), f, err)
		}
		replace[filepath.Join(c.Dir(l), f)] = sol
	}
	path := filepath.Join(dir, "overlay-"+l.Chapter+"-"+l.Name+".json")
	return path, overlay.Write(path, replace)
}
