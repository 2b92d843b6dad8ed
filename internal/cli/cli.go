// Package cli is perflab, the course's command-line tool: it shows a
// learner's progress, checks labs, gives hints, watches files, shows and
// resets solutions; it profiles a lab, compares its benchmarks with the
// shipped code and charts its memory over time; for teachers it grades
// submissions, and for maintainers it verifies that every lab is sound.
//
// # Usage
//
//	go run ./cmd/perflab [global options] [command] [arguments]
//
// With no command it shows progress and checks the next unfinished lab.
// Run `go run ./cmd/perflab help` for the list of commands.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/goperflabs/labs/internal/course"
	"github.com/goperflabs/labs/internal/manifest"
)

// ErrFailed is returned when the command ran but some lab did not pass (or,
// for verify, was not sound). The report is already printed, so main only
// sets the exit code.
var ErrFailed = errors.New("not every lab passed")

// errHelpShown is returned by a command whose --help was printed.
var errHelpShown = errors.New("help shown")

// errUsage is returned after usage has been printed.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// app is one invocation of perflab: where it prints, the course it works
// on and the global options.
type app struct {
	stdout, stderr io.Writer
	dir            string // where to look for the course
	redisURL       string
	color          bool
	course         *course.Course
	screen         screener // made on first use
	stdin          io.Reader
	getenv         func(string) string
}

// Config is what Run needs from its caller besides the arguments.
type Config struct {
	Stdout, Stderr io.Writer
	Stdin          io.Reader
	Dir            string              // the working directory; "" means the process's
	Getenv         func(string) string // nil means os.Getenv
}

const usage = `perflab: the Go Performance Labs tool

Usage: go run ./cmd/perflab [--redis URL] [--no-color] [command] [args]

Commands:
  (none)            show your progress and check the next unfinished lab
  list              every lab and its state (found by running its tests)
  check [TARGET…]   run the tests of labs: a lab (01-memory/retention),
                    a chapter (01-memory) or all (inside a lab's folder,
                    that lab); plain, and under -race for concurrent labs;
                    --json for machines
  hint LAB          show the next hint for a lab; --all shows those given
  watch [LAB]       re-check a lab whenever you save a file; q quits
  solution LAB      show the reference solution as a diff (once the lab
                    passes, or with --reveal)
  reset LAB         restore a lab's shipped files, after backing yours up
  restore LAB [B]   put back your files from a backup reset made
  bench LAB         compare your code's benchmarks with the shipped code
                    (or --vs solution), benchstat-style, --count rounds
  profile LAB       profile a lab's benchmarks (or tests): --cpu (default),
                    --heap, --allocs, --mutex, --block, --goroutine or
                    --trace; the top functions, --svg FILE, --base, --web
  chart LAB         sample memory (live heap, heap goal, goroutines, GC
                    cycles) while the lab's workload runs on your code and
                    on the shipped code; writes an HTML chart of both
  doctor            check this machine: Go, git, Graphviz, redis-server
  verify [TARGET…]  for maintainers: prove each lab, as committed, fails
                    as shipped and passes with its solution, -race too,
                    and that its kept wrong fixes fail
  grade [SUB…]      for teachers: grade submissions against the course as
                    committed (--course DIR, --json, --format gradescope|
                    github|csv, -p N); see TEACHING.md

Run go run ./cmd/perflab COMMAND --help for a command's options.

Global options:
  --redis URL       run the caching labs against a real Redis
                    (also PERFLAB_REDIS_URL); the default is miniredis
  --no-color        plain output (also NO_COLOR=1)
`

// Run runs perflab with args (without the program name).
func Run(ctx context.Context, cfg Config, args []string) error {
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	a := &app{stdout: cfg.Stdout, stderr: cfg.Stderr, stdin: cfg.Stdin, dir: cfg.Dir, getenv: getenv}
	if a.dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return fmt.Errorf("finding the working directory: %w", err)
		}
		a.dir = wd
	}
	if a.stdin == nil {
		a.stdin = strings.NewReader("")
	}

	global := flag.NewFlagSet("perflab", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	redisURL := global.String("redis", getenv("PERFLAB_REDIS_URL"), "")
	noColor := global.Bool("no-color", false, "")
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(a.stdout, usage)
			return nil
		}
		return &usageError{fmt.Sprintf("%v; run `go run ./cmd/perflab help` for the options", err)}
	}
	a.redisURL = *redisURL
	a.color = !*noColor && getenv("NO_COLOR") == "" && isTerminal(a.stdout)
	args = global.Args()

	cmd, rest := "", args
	if len(args) > 0 {
		cmd, rest = args[0], args[1:]
	}
	switch cmd {
	case "help", "-h", "--help":
		fmt.Fprint(a.stdout, usage)
		return nil
	case "grade": // reads the course from git itself, wherever it runs
		return a.grade(ctx, rest)
	}
	run, ok := commands[cmd]
	if !ok {
		return &usageError{fmt.Sprintf("unknown command %q; the commands are: %s", cmd, strings.Join(commandNames(), ", "))}
	}
	c, err := course.Find(a.dir)
	if err != nil {
		return err
	}
	a.course = c
	if err := run(a, ctx, rest); !errors.Is(err, errHelpShown) {
		return err
	}
	return nil
}

type command func(a *app, ctx context.Context, args []string) error

var commands = map[string]command{
	"":         (*app).progress,
	"list":     (*app).list,
	"check":    (*app).check,
	"hint":     (*app).hint,
	"watch":    (*app).watch,
	"solution": (*app).solution,
	"reset":    (*app).reset,
	"restore":  (*app).restore,
	"verify":   (*app).verify,
	"doctor":   (*app).doctor,
	"bench":    (*app).benchCmd,
	"profile":  (*app).profileCmd,
	"chart":    (*app).chartCmd,
}

func commandNames() []string {
	return []string{"list", "check", "hint", "watch", "solution", "reset", "restore", "bench", "profile", "chart", "verify", "grade", "doctor", "help"}
}

// flags makes a command's flag set that also accepts the global options,
// so they may come after the command's name too.
func (a *app) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Func("redis", "", func(s string) error { a.redisURL = s; return nil })
	fs.BoolFunc("no-color", "", func(string) error { a.color = false; return nil })
	return fs
}

// parse parses a command's flags and arguments, which may be mixed.
func (a *app) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(a.stdout, commandHelp(fs.Name()))
			return nil, errHelpShown
		} else if err != nil {
			return nil, &usageError{fmt.Sprintf("%s: %v; run `go run ./cmd/perflab help`", fs.Name(), err)}
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// parseLabs parses a command's flags and resolves its positional arguments
// into labs: labs, chapters or all (none means all).
func (a *app) parseLabs(fs *flag.FlagSet, args []string) ([]manifest.Lab, error) {
	targets, err := a.parse(fs, args)
	if err != nil {
		return nil, err
	}
	return a.course.Resolve(targets)
}

// parseLab parses a command's flags and resolves its one positional
// argument, which must name one lab.
func (a *app) parseLab(fs *flag.FlagSet, args []string) (manifest.Lab, error) {
	targets, err := a.parse(fs, args)
	if err != nil {
		return manifest.Lab{}, err
	}
	if len(targets) != 1 {
		return manifest.Lab{}, &usageError{fmt.Sprintf("%s takes one lab, such as: go run ./cmd/perflab %s 01-memory/retention", fs.Name(), fs.Name())}
	}
	return a.course.Lab(targets[0])
}
