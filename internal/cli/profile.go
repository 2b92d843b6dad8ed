package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/goperflabs/labs/internal/manifest"
	"github.com/goperflabs/labs/internal/profile"
)

// profileOptions are profile's flags.
type profileOptions struct {
	kinds                 map[profile.Kind]*bool
	svg, bench, benchtime string
	run                   string
	base, web             bool
}

// profileCmd runs a lab's benchmarks (or tests) with a profile on, keeps
// the profile in .perflab/profiles/, and prints its top functions, the
// change since the last one (--base), a flame graph (--svg) and the
// command that opens it.
func (a *app) profileCmd(ctx context.Context, args []string) error {
	fs := a.flags("profile")
	o := profileOptions{kinds: map[profile.Kind]*bool{}}
	for _, k := range profile.Kinds {
		o.kinds[k] = fs.Bool(string(k), false, "")
	}
	fs.StringVar(&o.svg, "svg", "", "")
	fs.StringVar(&o.bench, "bench", "", "")
	fs.StringVar(&o.benchtime, "benchtime", "", "")
	fs.StringVar(&o.run, "run", "", "")
	fs.BoolVar(&o.base, "base", false, "")
	fs.BoolVar(&o.web, "web", false, "")
	l, err := a.parseLab(fs, args)
	if err != nil {
		return err
	}
	kind, err := o.kind()
	if err != nil {
		return err
	}
	path, res, err := a.takeProfile(ctx, l, kind, o)
	if err != nil {
		return err
	}
	switch {
	case res.TimedOut:
		fmt.Fprintf(a.stdout, "%s\n", a.dim(fmt.Sprintf("the %s ran out of time (%s): one never returned; the profile covers what ran until then: go run ./cmd/perflab check %s", res.Mode, res.Limit, l.ID())))
	case res.Failed:
		fmt.Fprintf(a.stdout, "%s\n", a.dim("some tests failed (a lab's do until it is fixed); the profile covers what ran: go run ./cmd/perflab check "+l.ID()))
	}
	fmt.Fprintf(a.stdout, "%s of %s's %s: %s\n", describe(kind), l.ID(), res.Mode, a.rel(path))
	if kind == profile.Trace {
		return a.printTraceCommand(path)
	}
	return a.showProfile(ctx, l, kind, path, res, o)
}

func (o profileOptions) kind() (profile.Kind, error) {
	var chosen []profile.Kind
	for _, k := range profile.Kinds {
		if *o.kinds[k] {
			chosen = append(chosen, k)
		}
	}
	switch len(chosen) {
	case 0:
		return profile.CPU, nil
	case 1:
		return chosen[0], nil
	}
	return "", &usageError{fmt.Sprintf("profile takes one kind of profile at a time, not %d (--%s); run it once for each", len(chosen), joinKinds(chosen))}
}

func joinKinds(ks []profile.Kind) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return strings.Join(s, ", --")
}

// profilesDir is where a lab's profiles are kept.
func (a *app) profilesDir(l manifest.Lab) string {
	return filepath.Join(a.course.Root, ".perflab", "profiles", l.Chapter+"-"+l.Name)
}

// takeProfile runs the lab with the profile on, into a new file.
func (a *app) takeProfile(ctx context.Context, l manifest.Lab, kind profile.Kind, o profileOptions) (string, profile.Result, error) {
	path, err := profile.Reserve(a.profilesDir(l), kind, time.Now())
	if err != nil {
		return "", profile.Result{}, err
	}
	tmp, err := os.MkdirTemp("", "perflab-profile-")
	if err != nil {
		return "", profile.Result{}, fmt.Errorf("making a folder for the test binary: %w", err)
	}
	defer os.RemoveAll(tmp)
	fmt.Fprintf(a.stderr, "%s\n", a.dim(fmt.Sprintf("profiling %s (%s)…", l.ID(), kind)))
	res, err := profile.Run(ctx, profile.Spec{
		Root: a.course.Root, Package: "./" + l.ID(), Dir: a.course.Dir(l), Kind: kind, Out: path, Work: tmp,
		Bench: o.bench, Benchtime: o.benchtime, Run: o.run, Timeout: 2 * time.Minute, TestTimeout: testTimeout(l), Env: a.testOptions().Env,
	})
	if err != nil {
		os.Remove(path)             // the reserved file, empty or half written
		os.Remove(a.profilesDir(l)) // if that left it empty
		if errors.Is(err, profile.ErrNoBenchmarks) {
			return "", res, fmt.Errorf("%s has no benchmark matching %q; without --bench, profile runs its tests", l.ID(), o.bench)
		}
		return "", res, fmt.Errorf("profiling %s: %w", l.ID(), err)
	}
	return path, res, nil
}

// showProfile prints the top lists, the diff, the flame graph's file and
// the commands that open the profile, then serves it with --web.
func (a *app) showProfile(ctx context.Context, l manifest.Lab, kind profile.Kind, path string, res profile.Result, o profileOptions) error {
	p, err := profile.Load(path)
	if err != nil {
		return err
	}
	mine := profile.InDir(a.course.Dir(l), a.importPath(l))
	top := profile.Top(p, kind.SampleIndex(), mine)
	fmt.Fprintln(a.stdout)
	top.Write(a.stdout, 10)
	if len(top.ByFlat(1)) == 0 && kind == profile.CPU {
		fmt.Fprintf(a.stdout, "%s\n", a.dim(noSamples(res.Mode)))
	}
	if o.base {
		if err := a.showDiff(l, kind, path, p, mine); err != nil {
			return err
		}
	}
	if o.svg != "" {
		if err := a.writeFlame(l, kind, p, o.svg, mine); err != nil {
			return err
		}
	}
	port, err := profile.FreePort()
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "\nopen it in the browser (View → Flame graph): go tool pprof %s-http=127.0.0.1:%d %s\n", indexFlag(kind), port, a.rel(path))
	if !o.web {
		return nil
	}
	var args []string
	if f := indexFlag(kind); f != "" {
		args = append(args, strings.TrimSpace(f))
	}
	return profile.Serve(ctx, path, port, args, a.stderr, func(url string) {
		fmt.Fprintf(a.stdout, "serving the profile at %s; Ctrl-C stops it\n", url)
	})
}

// indexFlag is the -sample_index go tool pprof needs to show what the top
// lists show: a heap profile taken by go test opens on allocations.
func indexFlag(kind profile.Kind) string {
	if kind == profile.Heap {
		return "-sample_index=" + kind.SampleIndex() + " "
	}
	return ""
}

// showDiff prints what changed since the lab's previous profile of kind.
func (a *app) showDiff(l manifest.Lab, kind profile.Kind, path string, p *profile.Profile, mine profile.Mine) error {
	prev := profile.Previous(a.profilesDir(l), kind, path)
	if prev == "" {
		fmt.Fprintf(a.stdout, "\nno earlier %s profile of %s to compare with: this is the first; run with --base again after a change\n", kind, l.ID())
		return nil
	}
	base, err := profile.Load(prev)
	if err != nil {
		return err
	}
	d, err := profile.Diff(p, base)
	if err != nil {
		return fmt.Errorf("comparing with %s: %w", a.rel(prev), err)
	}
	fmt.Fprintf(a.stdout, "\nchange since %s (negative: less than before):\n", a.rel(prev))
	fmt.Fprintf(a.stdout, "%s\n", a.dim("(raw totals, as go tool pprof -diff_base shows them: a benchmark that ran more iterations costs more; give both runs the same --benchtime Nx, or compare per op with go run ./cmd/perflab bench "+l.ID()+")"))
	profile.Top(d, kind.SampleIndex(), mine).WriteChanges(a.stdout, 10, profile.Top(base, kind.SampleIndex(), nil).Total)
	port, err := profile.FreePort()
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "the change in the browser: go tool pprof %s-diff_base=%s -http=127.0.0.1:%d %s\n", indexFlag(kind), a.rel(prev), port, a.rel(path))
	return nil
}

// writeFlame writes the flame graph SVG to file (relative to where
// perflab runs).
func (a *app) writeFlame(l manifest.Lab, kind profile.Kind, p *profile.Profile, file string, mine profile.Mine) error {
	if !filepath.IsAbs(file) {
		file = filepath.Join(a.dir, file)
	}
	f, err := os.Create(file)
	if err != nil {
		return fmt.Errorf("writing the flame graph: %w", err)
	}
	title := fmt.Sprintf("%s: %s profile, %s", l.ID(), kind, time.Now().Format("2006-01-02 15:04"))
	if err := profile.WriteFlameGraph(f, p, kind.SampleIndex(), title, mine); err != nil {
		f.Close()
		return fmt.Errorf("writing the flame graph: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing the flame graph: %w", err)
	}
	fmt.Fprintf(a.stdout, "\nflame graph: %s (open it in a browser; blue is your code)\n", a.rel(file))
	return nil
}

// printTraceCommand prints how to open an execution trace.
func (a *app) printTraceCommand(path string) error {
	port, err := profile.FreePort()
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "open it in the browser: go tool trace -http=127.0.0.1:%d %s\n", port, a.rel(path))
	return nil
}

// rel is path relative to where perflab runs, when it is inside it.
func (a *app) rel(path string) string {
	r, err := filepath.Rel(a.dir, path)
	if err != nil || strings.HasPrefix(r, "..") {
		return path
	}
	return r
}

func describe(k profile.Kind) string {
	if k == profile.Trace {
		return "execution trace"
	}
	return string(k) + " profile"
}

// testTimeout is how long a lab's tests may run under a profiler: three
// times the lab's own limit, since recording every allocation slows them.
func testTimeout(l manifest.Lab) time.Duration {
	if l.Timeout.Duration <= 0 {
		return time.Minute
	}
	return 3 * l.Timeout.Duration
}

func noSamples(m profile.Mode) string {
	msg := "no CPU samples: the profiler takes 100 a second, and this run used the CPU for less than that"
	if m == profile.Benchmarks {
		return msg + "; a longer --benchtime helps"
	}
	return msg + "; the tests barely use the CPU (--block or --trace show waiting)"
}

// importPath is the lab's package's import path, from the course's go.mod
// ("" if it cannot be read).
func (a *app) importPath(l manifest.Lab) string {
	data, err := os.ReadFile(filepath.Join(a.course.Root, "go.mod"))
	if err != nil {
		return ""
	}
	m := regexp.MustCompile(`(?m)^module\s+(\S+)`).FindSubmatch(data)
	if m == nil {
		return ""
	}
	return string(m[1]) + "/" + l.ID()
}
