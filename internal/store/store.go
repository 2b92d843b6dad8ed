// Package store names the files perflab keeps for a learner (profiles,
// charts): <prefix>-<time><ext> in a folder of their own, never reusing a
// name, so that no run overwrites an earlier one.
package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Stamp is the layout of the time in a kept file's name.
const Stamp = "20060102-150405.000"

// Reserve creates a new, empty file in dir (made if missing), named
// <prefix>-<time><ext>, and returns its path. It never reuses a name: a
// second file in the same millisecond gets a suffix (-2, -3, …).
func Reserve(dir, prefix, ext string, now time.Time) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("making the folder %s: %w", dir, err)
	}
	stamp := now.Format(Stamp)
	for i := 1; ; i++ {
		name := fmt.Sprintf("%s-%s%s", prefix, stamp, ext)
		if i > 1 {
			name = fmt.Sprintf("%s-%s-%d%s", prefix, stamp, i, ext)
		}
		path := filepath.Join(dir, name)
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("making the file %s: %w", path, err)
		}
		return path, f.Close()
	}
}
