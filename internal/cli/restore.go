package cli

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// restore puts a lab's files back from a backup that reset (or restore)
// made in .perflab/backup/: the one named, or the newest that holds the
// lab. The files it replaces are backed up first, so restore can be undone
// the same way.
func (a *app) restore(ctx context.Context, args []string) error {
	flags := a.flags("restore")
	targets, err := a.parse(flags, args)
	if err != nil {
		return err
	}
	if len(targets) < 1 || len(targets) > 2 {
		return &usageError{"restore takes a lab and, optionally, a backup: go run ./cmd/perflab restore 01-memory/retention [20261202-101500.000]"}
	}
	l, err := a.course.Lab(targets[0])
	if err != nil {
		return err
	}
	stamps := a.backupsOf(l.ID())
	if len(stamps) == 0 {
		return fmt.Errorf("no backup of %s in .perflab/backup/: reset makes one when it replaces your files", l.ID())
	}
	stamp := stamps[len(stamps)-1]
	if len(targets) == 2 {
		if stamp = targets[1]; !slices.Contains(stamps, stamp) {
			return fmt.Errorf("no backup %s of %s; the backups of it are: %v", stamp, l.ID(), stamps)
		}
	}
	files, err := a.readBackup(stamp, l.ID())
	if err != nil {
		return err
	}
	undo, saved, err := a.backUp(files, nil)
	if err != nil {
		return err
	}
	if err := a.writeFiles(files); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "restored %d files of %s from .perflab/backup/%s\n", len(files), l.ID(), stamp)
	if saved > 0 {
		fmt.Fprintf(a.stdout, "the files it replaced are in .perflab/backup/%s; to undo: go run ./cmd/perflab restore %s %s\n", undo, l.ID(), undo)
	}
	return nil
}

// backupsOf lists, oldest first, the backups that hold files of the lab.
func (a *app) backupsOf(id string) []string {
	entries, _ := os.ReadDir(a.backupRoot())
	var out []string
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(a.backupRoot(), e.Name(), filepath.FromSlash(id))); err == nil {
			out = append(out, e.Name())
		}
	}
	slices.Sort(out)
	return out
}

// readBackup reads the lab's files of one backup, by course-relative path.
func (a *app) readBackup(stamp, id string) (map[string][]byte, error) {
	base := filepath.Join(a.backupRoot(), stamp)
	files := map[string][]byte{}
	err := filepath.WalkDir(filepath.Join(base, filepath.FromSlash(id)), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(base, path)
		files[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading backup %s: %w", stamp, err)
	}
	return files, nil
}
