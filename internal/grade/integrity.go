package grade

import (
	"github.com/goperflabs/labs/internal/snapshot"

	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// integrity keeps the course's copy as it was made. Code under test runs
// as the grader and could rewrite the course's tests or test kit for the
// labs graded after it; so after every run the copy's files are compared
// with their first fingerprint, and a changed copy is made again from git.
//
// Runs share the copy (a read lock). A run that finds the copy changed, or
// made again while it ran, is run once more alone (the write lock): the run
// that changes the copy when alone is the one that did it.
type integrity struct {
	root string
	mu   sync.RWMutex // held for reading by runs, for writing by a run alone
	st   sync.Mutex   // guards sums and gen
	sums map[string][sha256.Size]byte
	gen  int // how many times the copy was made again
}

func newIntegrity(root string) (*integrity, error) {
	sums, err := fingerprint(root)
	if err != nil {
		return nil, fmt.Errorf("reading the course's copy: %w", err)
	}
	return &integrity{root: root, sums: sums}, nil
}

// fingerprint hashes the files that could change a verdict: Go files,
// manifests, module files, and everything under a testdata folder.
func fingerprint(root string) (map[string][sha256.Size]byte, error) {
	out := map[string][sha256.Size]byte{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() || !(relevant(d.Name()) || strings.Contains("/"+rel, "/testdata/")) {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out[rel] = sha256.Sum256(data)
		return nil
	})
	return out, err
}

// changed lists the files that differ from the first fingerprint.
func (in *integrity) changed() ([]string, error) {
	now, err := fingerprint(in.root)
	if err != nil {
		return nil, err
	}
	var out []string
	for p, sum := range now {
		if old, ok := in.sums[p]; !ok || old != sum {
			out = append(out, p)
		}
	}
	for p := range in.sums {
		if _, ok := now[p]; !ok {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out, nil
}

// guarded runs f on the course's copy. It returns the files f's run
// changed when it was alone with the copy (the copy is made again then);
// nil means the run saw the course as committed.
func (c *Course) guarded(ctx context.Context, f func() error) ([]string, error) {
	in := c.guard
	for alone := false; ; alone = true {
		lock, unlock := in.mu.RLock, in.mu.RUnlock
		if alone {
			lock, unlock = in.mu.Lock, in.mu.Unlock
		}
		lock()
		in.st.Lock()
		gen := in.gen
		in.st.Unlock()
		err := f()
		in.st.Lock()
		changed, cerr := in.changed()
		if cerr == nil && len(changed) > 0 {
			cerr = c.remake(ctx)
			in.gen++
		}
		again := gen != in.gen
		in.st.Unlock()
		unlock()
		switch {
		case err != nil:
			return nil, err
		case cerr != nil:
			return nil, cerr
		case !again:
			return nil, nil
		case alone:
			return changed, nil
		}
	}
}

// remake writes the course's copy again from git.
func (c *Course) remake(ctx context.Context) error {
	if c.tmp == "" {
		return fmt.Errorf("the code under test changed the course in %s, which is not a git checkout perflab can copy it again from", c.Root)
	}
	entries, err := os.ReadDir(c.tmp)
	if err != nil {
		return fmt.Errorf("making the course's copy again: %w", err)
	}
	for _, e := range entries {
		os.Chmod(filepath.Join(c.tmp, e.Name()), 0o755)
		if err := os.RemoveAll(filepath.Join(c.tmp, e.Name())); err != nil {
			return fmt.Errorf("making the course's copy again: %w", err)
		}
	}
	return snapshot.Into(ctx, c.Source, c.Commit, c.tmp)
}
