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
	"github.com/goperflabs/labs/internal/sandbox"
	"github.com/goperflabs/labs/internal/screen"
	"github.com/goperflabs/labs/internal/testjson"
)

// run is one run of a lab's test binary, plain or -race: or, when it did
// not build, the build's errors.
type run struct {
	Race    bool
	Exec    *testjson.Execution
	Package *testjson.Package // the lab's package: the build's when it failed, else the run's; nil when none was reported
	Built   bool              // the test binary was built and ran
	Alone   bool              // the build that failed was of the program without its test files
	Proc    proc.Result
	Limit   string        // the limit the run was killed at, or ""
	Peak    int64         // the most memory seen, in bytes (0 if unknown)
	TimeCap time.Duration // the time limit the test binary had
	// Records are the recorder's lines: test name → pass, fail or skip.
	Records map[string]string
}

// buildEnv is the environment of every go command grade runs: the
// grader's, without the course's own variables (a grade is always against
// the embedded miniredis) and GOFLAGS, with workspaces and toolchain
// switching off, and cgo off except for -race, which needs it (the screen
// refuses import "C").
func buildEnv(race bool) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(kv, screen.EnvPrefix), k == "GOFLAGS", k == "GOWORK", k == "CGO_ENABLED", k == "GOTOOLCHAIN":
			continue
		}
		env = append(env, kv)
	}
	cgo := "0"
	if race {
		cgo = "1"
	}
	// -trimpath: every grading makes a new copy of the course in a new
	// folder, and without it the compiled course would depend on that
	// folder's path and be compiled again each time.
	return append(env, "GOWORK=off", "GOFLAGS=-mod=readonly -trimpath", "GOTOOLCHAIN=local", "CGO_ENABLED="+cgo)
}

// writeOverlay writes the -overlay file for one run: each course path
// (absolute) → the file to compile instead.
func writeOverlay(replace map[string]string, dir string) (string, error) {
	f, err := os.CreateTemp(dir, "overlay-*.json")
	if err != nil {
		return "", fmt.Errorf("writing an overlay: %w", err)
	}
	f.Close()
	return f.Name(), overlay.Write(f.Name(), replace)
}

// goJSON runs a go command that prints build events with -json, within
// grace, and returns the events, its exit code and whether it ran out of
// time. The error is for grade itself failing.
func goJSON(ctx context.Context, dir string, env, args []string, grace time.Duration) (*testjson.Execution, int, bool, error) {
	pr, pw := io.Pipe()
	grp, err := proc.Start(ctx, proc.Spec{Dir: dir, Env: env, Name: "go", Args: args, Output: pw})
	if err != nil {
		return nil, 0, false, err
	}
	grp.Deadline(grace)
	done := readEvents(pr)
	res, err := grp.Wait()
	pw.Close()
	r := <-done
	if err != nil {
		return nil, 0, false, err
	}
	if r.err != nil {
		return nil, 0, false, r.err
	}
	return r.exec, res.ExitCode, res.Expired, ctx.Err()
}

// goBuild runs a go command that compiles (go test -c, go build) and
// returns a package holding its build errors, nil when it succeeded, and
// whether it ran out of time.
func goBuild(ctx context.Context, c *Course, race bool, args []string, grace time.Duration) (*testjson.Package, bool, error) {
	e, code, expired, err := goJSON(ctx, c.Root, buildEnv(race), args, grace)
	if err != nil || expired {
		return nil, expired, err
	}
	if path, lines, ok := e.FailedBuild(); ok {
		if len(lines) == 0 {
			lines = []string{"build failed: " + path}
		}
		return &testjson.Package{ImportPath: path, BuildErrors: lines}, false, nil
	}
	if code != 0 {
		return &testjson.Package{ImportPath: "build", BuildErrors: []string{"go " + args[0] + ": " + firstLine(e.Loose)}}, false, nil
	}
	return nil, false, nil
}

// buildTest compiles the lab's test binary to bin, outside any sandbox,
// with the course's go.mod and toolchain. It returns the package's build
// errors (nil when it built) and whether the build ran out of time.
func buildTest(ctx context.Context, c *Course, l manifest.Lab, ov, bin string, race bool, grace time.Duration) (*testjson.Package, bool, error) {
	args := []string{"test", "-c", "-json", "-o", bin, "-overlay=" + ov}
	if race {
		args = append(args, "-race")
	}
	return goBuild(ctx, c, race, append(args, "./"+l.ID()), grace)
}

// buildAlone compiles the lab's package without its test files, so that
// a fix that needs a name declared only in a test file fails as it would
// for the program. Its output goes to /dev/null, which the go command
// takes for "build, write nothing".
func buildAlone(ctx context.Context, c *Course, l manifest.Lab, ov string, grace time.Duration) (*testjson.Package, bool, error) {
	args := []string{"build", "-json", "-o", os.DevNull, "-overlay=" + ov, "./" + l.ID()}
	return goBuild(ctx, c, false, args, grace)
}

type read struct {
	exec *testjson.Execution
	err  error
}

// readEvents reads go test's events (or go build's) from r until it is
// closed.
func readEvents(r io.Reader) <-chan read {
	done := make(chan read, 1)
	go func() {
		e, err := testjson.Read(r, testjson.Options{})
		io.Copy(io.Discard, r)
		done <- read{e, err}
	}()
	return done
}

// execution says where and how one built test binary runs.
type execution struct {
	Course *Course
	Lab    manifest.Lab
	Bin    string
	Binds  []sandbox.Bind // edit files over the course's copies
	Race   bool
	Token  string
}

// execute runs a built test binary within the limits, inside the sandbox
// unless the grader runs unsandboxed, and reads its output through
// test2json and its records from the record pipe.
func (g *Grader) execute(ctx context.Context, x execution) (*run, error) {
	limit, mem := x.Lab.Timeout.Duration, g.Limits.Memory
	if x.Race {
		limit, mem = RaceFactor*limit, raceMemFactor*mem
	}
	args := []string{"-test.v=test2json", "-test.count=1", "-test.paniconexit0", "-test.timeout=" + limit.String()}
	name, args, dir, env := g.command(x, args)
	recR, recW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("making the record pipe: %w", err)
	}
	defer recR.Close()
	tokR, err := tokenPipe(x.Token)
	if err != nil {
		recW.Close()
		return nil, err
	}
	t2j, err := startTest2JSON(ctx, g.test2json, x.Course.Module+"/"+x.Lab.ID())
	if err != nil {
		recW.Close()
		tokR.Close()
		return nil, err
	}
	gd := newGuard(g.Limits, mem)
	name, args = gd.wrap(name, args)
	capped := &capWriter{w: t2j.in, left: maxRunOutput}
	grp, err := proc.Start(ctx, proc.Spec{Dir: dir, Env: env, Name: name, Args: args, Output: capped, ExtraFiles: []*os.File{recW, tokR}})
	recW.Close()
	tokR.Close()
	if err != nil {
		gd.stop()
		t2j.abort()
		return nil, err
	}
	records := make(chan map[string]string, 1)
	go func() { records <- readRecords(recR, x.Token) }()
	gd.watch(grp.Pid(), func() { grp.Deadline(0) })
	grp.Deadline(limit + 10*time.Second)
	pres, err := grp.Wait()
	hit, peak := gd.stop()
	e, rerr := t2j.finish()
	if err != nil {
		return nil, err
	}
	if rerr != nil {
		return nil, rerr
	}
	out := &run{Race: x.Race, Exec: e, Built: true, Proc: pres, Limit: hit, Peak: peak, TimeCap: limit, Records: <-records}
	if hit == "" && pres.Expired {
		out.Limit = fmt.Sprintf("the time limit of %s", limit)
	}
	out.Package = e.Package(x.Course.Module + "/" + x.Lab.ID())
	return out, ctx.Err()
}

// maxRunOutput bounds what grade reads of one run's output: a test
// binary that prints without end cannot fill the grader's memory.
const maxRunOutput = 64 << 20

// capWriter passes on its first left bytes and drops the rest, so that
// the writer behind it (test2json) is never blocked or flooded.
type capWriter struct {
	w    io.Writer
	left int
}

func (c *capWriter) Write(p []byte) (int, error) {
	if c.left <= 0 {
		return len(p), nil
	}
	n := min(len(p), c.left)
	c.left -= n
	if _, err := c.w.Write(p[:n]); err != nil {
		c.left = 0 // test2json is gone: drop the rest
	}
	return len(p), nil
}

// tokenPipe returns the read end of a pipe that holds the run's token
// and nothing more: the recorder reads it once, as the binary starts.
func tokenPipe(token string) (*os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("making the token pipe: %w", err)
	}
	_, err = w.WriteString(token)
	w.Close()
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("writing the token pipe: %w", err)
	}
	return r, nil
}

// command returns what runs the test binary: bwrap around it, or the
// binary itself when the grader runs unsandboxed, with its folder and
// environment.
func (g *Grader) command(x execution, args []string) (name string, argv []string, dir string, env []string) {
	labDir := x.Course.Dir(x.Lab)
	if g.sandbox == nil {
		return x.Bin, args, labDir, append(buildEnv(false), recorderEnv+"=1")
	}
	env = sandbox.BwrapEnv
	spec := sandbox.Spec{
		Program:  x.Bin,
		Args:     args,
		Dir:      labDir,
		ReadOnly: []string{x.Course.Root, x.Bin},
		Binds:    x.Binds,
		Tmp:      sandboxTmp,
		Env:      []string{recorderEnv + "=1"},
		// A lab whose student files are all data (the pgo lab's
		// profile) runs only the course's code, and its tests build
		// with the go command: a cold build cache there would cost
		// minutes.
		ShareGoCache: len(x.Lab.DataFiles()) == len(x.Lab.Edit),
	}
	if sol := filepath.Join(x.Course.Root, "solutions"); isDir(sol) {
		spec.Hide = append(spec.Hide, sol)
	}
	name, argv = g.sandbox.Command(spec)
	return name, argv, "/", env
}

// sandboxTmp is the size of a run's private /tmp: room for the tests'
// temporary folders and, in the pgo lab, a build cache of its own.
const sandboxTmp = 512 << 20

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// test2json converts a test binary's output (-test.v=test2json) into
// go test -json events, as go test does; it runs outside the sandbox.
type test2json struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	done <-chan read
}

func startTest2JSON(ctx context.Context, path, pkg string) (*test2json, error) {
	cmd := exec.CommandContext(ctx, path, "-t", "-p", pkg)
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("starting test2json: %w", err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("starting test2json: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting test2json: %w", err)
	}
	return &test2json{cmd: cmd, in: in, done: readEvents(out)}, nil
}

// finish closes test2json's input and returns the events it wrote.
func (t *test2json) finish() (*testjson.Execution, error) {
	t.in.Close()
	r := <-t.done
	t.cmd.Wait()
	return r.exec, r.err
}

func (t *test2json) abort() {
	t.in.Close()
	<-t.done
	t.cmd.Wait()
}

// test2jsonPath finds go's test2json tool (building it on first use).
func test2jsonPath(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "tool", "-n", "test2json").Output()
	if err != nil {
		return "", fmt.Errorf("finding go's test2json tool: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}
