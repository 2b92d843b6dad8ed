// Package buildcache tells whether Go's build cache already holds what the
// course's tests need, so that perflab says "the first run compiles the
// dependencies" only when it does, and can compile them chapter by chapter
// with a line for each.
package buildcache

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"

	"github.com/goperflabs/labs/internal/proc"
)

// StaleDeps returns the packages outside the module at root that the
// packages matched by patterns (tests included) need and that the build
// cache does not hold, as `go list -deps -test` reports them.
func StaleDeps(ctx context.Context, root string, patterns ...string) ([]string, error) {
	args := append([]string{"list", "-deps", "-test", "-e", "-f", "{{if .Stale}}{{if not .Module}}{{else if not .Module.Main}}{{.ImportPath}}{{end}}{{end}}"}, patterns...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	var stale []string
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			stale = append(stale, l)
		}
	}
	return stale, nil
}

// Compile builds the test binaries of the packages matched by patterns
// without running a test (go test -run '^$'), so that the build cache
// holds them and their dependencies. Its own process group is killed when
// it ends or ctx is done.
func Compile(ctx context.Context, root string, patterns ...string) error {
	var out bytes.Buffer
	args := append([]string{"test", "-count=1", "-run", "^$"}, patterns...)
	g, err := proc.Start(ctx, proc.Spec{Dir: root, Name: "go", Args: args, Output: &out})
	if err != nil {
		return err
	}
	if _, err := g.Wait(); err != nil {
		return err
	}
	return nil
}
