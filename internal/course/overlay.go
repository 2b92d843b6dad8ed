package course

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/goperflabs/labs/internal/manifest"
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
	data, err := json.Marshal(struct{ Replace map[string]string }{replace})
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "overlay-"+l.Chapter+"-"+l.Name+".json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return "", fmt.Errorf("writing overlay: %w", err)
	}
	return path, nil
}
