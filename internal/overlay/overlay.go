// Package overlay writes the file that `go test -overlay` reads: a map from
// files of the module to the files that stand in for them. perflab uses it
// to swap a solution, a kept fix, a submission or an extra test in without
// touching the learner's files.
//
// Paths must be absolute: go silently ignores a relative one. Do not
// combine -overlay with -cover, which ignores the overlay (golang/go#73802).
package overlay

import (
	"encoding/json"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
)

// Write writes an overlay file at path that replaces each key of replace
// (a file of the module) with its value (the file to read instead).
func Write(path string, replace map[string]string) error {
	for from, to := range replace {
		if !filepath.IsAbs(from) || !filepath.IsAbs(to) {
			return fmt.Errorf("overlay %s → %s: both paths must be absolute", from, to)
		}
	}
	data, err := json.Marshal(struct{ Replace map[string]string }{replace})
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("writing overlay: %w", err)
	}
	return nil
}

// PackageName is the name of the package in dir (its tests' package, less
// "_test", when it has only tests): the package a file that an overlay adds
// to dir must declare.
func PackageName(dir string) (string, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	name := ""
	for _, f := range files {
		ast, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.PackageClauseOnly)
		if err != nil {
			continue
		}
		n := ast.Name.Name
		if !strings.HasSuffix(f, "_test.go") {
			return n, nil
		}
		name = strings.TrimSuffix(n, "_test")
	}
	if name == "" {
		return "", fmt.Errorf("no Go package in %s", dir)
	}
	return name, nil
}
