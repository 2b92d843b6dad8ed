package grade

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/goperflabs/labs/internal/manifest"
	"github.com/goperflabs/labs/internal/overlay"
	"github.com/goperflabs/labs/internal/proc"
	"github.com/goperflabs/labs/internal/testjson"

	"github.com/goperflabs/labs/internal/screen"
)

// run is one `go test -json` run of a lab's package, plain or -race.
type run struct {
	Race    bool
	Exec    *testjson.Execution
	Package *testjson.Package // nil when go test reported none
	Proc    proc.Result
	Limit   string        // the limit the run was killed at, or ""
	Peak    int64         // the most memory seen, in bytes (0 if unknown)
	TimeCap time.Duration // the time limit the test binary had
	Canary  string        // the name of the test grade planted
}

// testEnv is the environment of every go command grade runs: the
// grader's, without the course's own variables (a grade is always against
// the embedded miniredis) and GOFLAGS, with workspaces off.
func testEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, screen.EnvPrefix) || strings.HasPrefix(kv, "GOFLAGS=") || strings.HasPrefix(kv, "GOWORK=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "GOWORK=off", "GOFLAGS=-mod=readonly")
}

// writeOverlay writes the -overlay file for one run: the submission's edit
// files in place of the lab's, and the canary test added.
func writeOverlay(c *Course, l manifest.Lab, files map[string]string, canary, dir string) (string, error) {
	replace := map[string]string{}
	for name, path := range files {
		replace[filepath.Join(c.Dir(l), name)] = path
	}
	if canary != "" {
		replace[filepath.Join(c.Dir(l), canaryFile)] = canary
	}
	f, err := os.CreateTemp(dir, "overlay-*.json")
	if err != nil {
		return "", fmt.Errorf("writing an overlay: %w", err)
	}
	f.Close()
	return f.Name(), overlay.Write(f.Name(), replace)
}

// runTests runs the lab's tests once with the overlay, within the limits.
// The error is for grade itself failing, never for the submission.
func runTests(ctx context.Context, c *Course, l manifest.Lab, ov string, race bool, lim Limits) (*run, error) {
	limit, mem := l.Timeout.Duration, lim.Memory
	if race {
		limit, mem = RaceFactor*limit, raceMemFactor*mem
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("the go command is not on PATH: %w", err)
	}
	args := []string{"test", "-json", "-count=1", "-timeout=" + limit.String(), "-overlay=" + ov}
	if race {
		args = append(args, "-race")
	}
	args = append(args, "./"+l.ID())
	g := newGuard(lim, mem)
	name, args := g.wrap(goBin, args)

	pr, pw := io.Pipe()
	grp, err := proc.Start(ctx, proc.Spec{Dir: c.Root, Env: testEnv(), Name: name, Args: args, Output: pw})
	if err != nil {
		g.stop()
		return nil, err
	}
	g.watch(grp.Pid(), func() { grp.Deadline(0) })
	grp.Deadline(lim.BuildGrace + limit)
	onEvent := func(ev testjson.Event) {
		if ev.Action == testjson.ActionStart && ev.Test == "" {
			// The test binary runs: its own -timeout alarm should
			// fire first; this is the backstop.
			grp.Deadline(limit + 10*time.Second)
		}
	}
	done := readEvents(pr, onEvent)
	pres, err := grp.Wait()
	pw.Close()
	r := <-done
	hit, peak := g.stop()
	if err != nil {
		return nil, err
	}
	if r.err != nil {
		return nil, r.err
	}
	out := &run{Race: race, Exec: r.exec, Proc: pres, Limit: hit, Peak: peak, TimeCap: limit}
	if hit == "" && pres.Expired {
		out.Limit = fmt.Sprintf("the time limit of %s", limit)
	}
	for _, p := range r.exec.Packages() {
		if strings.HasSuffix(p.ImportPath, "/"+l.ID()) {
			out.Package = p
		}
	}
	return out, ctx.Err()
}

type read struct {
	exec *testjson.Execution
	err  error
}

// readEvents reads go test's events from r until it is closed.
func readEvents(r io.Reader, onEvent func(testjson.Event)) <-chan read {
	done := make(chan read, 1)
	go func() {
		e, err := testjson.Read(r, testjson.Options{OnEvent: onEvent})
		io.Copy(io.Discard, r)
		done <- read{e, err}
	}()
	return done
}
