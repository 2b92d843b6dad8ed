package grade

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/goperflabs/labs/internal/manifest"
)

// profileExt ends the name of a profile that go build reads (default.pgo).
const profileExt = ".pgo"

// preprofileHeader starts a profile the go command has already turned
// into its own text form (go tool preprofile), which go build reads too.
const preprofileHeader = "GO PREPROFILE V1\n"

// screenData checks one edit file that is not Go source, at path. Such a
// file is never parsed as Go; a profile (.pgo) must be one go build can
// read: a gzipped pprof file, as -cpuprofile and go tool pprof -proto
// write, or go tool preprofile's output. The size was checked on intake.
func screenData(l manifest.Lab, name, path string) ([]Problem, error) {
	if filepath.Ext(name) != profileExt {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	defer f.Close()
	if isProfile(f) {
		return nil, nil
	}
	return []Problem{{File: l.ID() + "/" + name, Line: 1, Msg: "is not a profile go build can read (want a gzipped pprof file); write it with go test -cpuprofile or go tool pprof -proto"}}, nil
}

// isProfile reports whether r holds a gzipped stream that unpacks whole
// (to at most maxEditFile×64 bytes), or go tool preprofile's output.
func isProfile(r io.Reader) bool {
	head := make([]byte, len(preprofileHeader))
	n, _ := io.ReadFull(r, head)
	head = head[:n]
	if string(head) == preprofileHeader {
		return true
	}
	zr, err := gzip.NewReader(io.MultiReader(bytes.NewReader(head), r))
	if err != nil {
		return false
	}
	n64, err := io.Copy(io.Discard, io.LimitReader(zr, 64*maxEditFile+1))
	return err == nil && n64 > 0 && n64 <= 64*maxEditFile
}
