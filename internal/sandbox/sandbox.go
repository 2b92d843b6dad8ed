// Package sandbox runs untrusted programs inside bubblewrap (bwrap), as
// perflab grade does with the test binary built from a student's code.
//
// A sandboxed program gets new user, PID, network, IPC, UTS and mount
// namespaces (bwrap --unshare-all), runs as an unprivileged user with no
// capabilities and may not make user namespaces of its own. It sees only
// the system's /usr, a small generated /etc, the Go toolchain and module
// cache (read-only), the paths it is given (read-only), a private /proc
// and /dev, and a private /tmp of capped size. Its network namespace has
// only a loopback interface of its own. When the program ends, or the
// process that started bwrap dies, the PID namespace ends and the kernel
// kills every process left in it (a setsid child included), and the
// private /tmp is gone with the mount namespace.
//
// The sandbox does not limit memory, CPU or the number of processes: the
// caller watches the process tree (or a cgroup) for those.
//
// # Usage
//
//	b, err := sandbox.New(tmp) // fails with an install hint without bwrap
//	defer b.Close()
//	name, args := b.Command(sandbox.Spec{Program: bin, Dir: labDir, ReadOnly: []string{course}, Tmp: 512 << 20})
//	cmd := exec.Command(name, args...)
//	cmd.Env = sandbox.BwrapEnv
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Spec says what to run inside the sandbox.
type Spec struct {
	// Program and Args are what runs; Program must be visible inside (in
	// ReadOnly, or in a Binds target).
	Program string
	Args    []string
	// Dir is the working directory inside the sandbox.
	Dir string
	// ReadOnly are host paths bound read-only at the same path, in order.
	ReadOnly []string
	// Binds bind a host file or folder (Src) read-only at another path
	// (Dst), after ReadOnly, so a later bind can replace part of an
	// earlier one (a student's edit file over the course's copy).
	Binds []Bind
	// Hide are paths inside a ReadOnly path that get an empty, read-only
	// folder over them (the course's solutions/).
	Hide []string
	// Tmp is the size of the private /tmp in bytes; 0 means 256 MiB.
	Tmp int64
	// Env is the whole environment of the program: nothing is inherited.
	// PATH, HOME, TMPDIR and the Go variables are set unless Env has them.
	Env []string
	// ShareGoCache binds the host's Go build cache read-write and points
	// GOCACHE at it, for a program that runs the go command on trusted
	// code only (a lab whose student files are data, such as a profile).
	// Untrusted code must never get it: it could poison later builds.
	ShareGoCache bool
}

// Bind is a read-only bind of Src at Dst.
type Bind struct{ Src, Dst string }

// Sandbox makes commands that run inside bwrap. It owns a folder with
// the generated /etc, removed by Close.
type Sandbox struct {
	bwrap  string
	etc    string
	goroot string
	modDir string
	cache  string
	usr    []string // bwrap arguments for /usr and its links
}

// ErrUnavailable says that no sandbox can be made on this machine.
var ErrUnavailable = errors.New("no sandbox")

// New finds bwrap, writes the sandbox's /etc under tmp and checks that a
// sandbox can really start here (user namespaces allowed). The error
// wraps ErrUnavailable with the reason and the install command.
func New(ctx context.Context, tmp string) (*Sandbox, error) {
	path, err := exec.LookPath("bwrap")
	if err != nil {
		return nil, fmt.Errorf("%w: bubblewrap (bwrap) is not installed: %s", ErrUnavailable, InstallHint)
	}
	b := &Sandbox{bwrap: path}
	if b.etc, err = os.MkdirTemp(tmp, "sandbox-etc-"); err != nil {
		return nil, fmt.Errorf("making the sandbox's /etc: %w", err)
	}
	if err := writeEtc(b.etc); err != nil {
		b.Close()
		return nil, err
	}
	b.goroot, b.modDir, b.cache = goPaths(ctx)
	b.usr = systemBinds()
	if err := b.probe(ctx); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// InstallHint says how to get bwrap on the common systems.
const InstallHint = "install it with `sudo apt-get install bubblewrap` (Debian, Ubuntu) or `sudo dnf install bubblewrap` (Fedora)"

// Close removes the generated /etc.
func (b *Sandbox) Close() {
	if b.etc != "" {
		os.RemoveAll(b.etc)
	}
}

// probe starts a sandbox that runs true, so that a machine where user
// namespaces are off fails here, in one line, and not in every lab.
func (b *Sandbox) probe(ctx context.Context) error {
	name, args := b.Command(Spec{Program: "/usr/bin/true", Dir: "/"})
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = BwrapEnv
	out, err := cmd.CombinedOutput()
	if err != nil {
		msg := strings.TrimSpace(string(out))
		if msg == "" {
			msg = err.Error()
		}
		return fmt.Errorf("%w: bwrap cannot start a sandbox here (%s); on Ubuntu 23.10 and later, AppArmor must allow it unprivileged user namespaces (an AppArmor profile for bwrap, or sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 on a throwaway machine): see TEACHING.md", ErrUnavailable, firstLine(msg))
	}
	return nil
}

// Command returns the bwrap command line that runs s.
func (b *Sandbox) Command(s Spec) (string, []string) {
	size := s.Tmp
	if size <= 0 {
		size = 256 << 20
	}
	args := []string{
		"--unshare-all", "--unshare-user", "--disable-userns",
		"--uid", "65534", "--gid", "65534", "--hostname", "sandbox",
		"--die-with-parent", "--new-session", "--clearenv",
		"--proc", "/proc", "--dev", "/dev",
		"--size", strconv.FormatInt(size, 10), "--tmpfs", "/tmp",
		"--ro-bind", b.etc, "/etc",
	}
	args = append(args, b.usr...)
	for _, p := range []string{b.goroot, b.modDir} {
		if p != "" {
			args = append(args, "--ro-bind", p, p)
		}
	}
	for _, p := range s.ReadOnly {
		args = append(args, "--ro-bind", p, p)
	}
	for _, bd := range s.Binds {
		args = append(args, "--ro-bind", bd.Src, bd.Dst)
	}
	for _, h := range s.Hide {
		args = append(args, "--tmpfs", h, "--remount-ro", h)
	}
	env := s.Env
	if s.ShareGoCache && b.cache != "" {
		args = append(args, "--bind", b.cache, b.cache)
		env = append(env, "GOCACHE="+b.cache)
	}
	for _, kv := range b.env(env) {
		k, v, _ := strings.Cut(kv, "=")
		args = append(args, "--setenv", k, v)
	}
	// Last, once everything is mounted: the root and /dev are read-only,
	// so /tmp, with its cap, is the only place to write (bwrap's root and
	// /dev are tmpfs, which would otherwise take memory without limit).
	args = append(args, "--remount-ro", "/", "--remount-ro", "/dev")
	args = append(args, "--chdir", s.Dir, "--", s.Program)
	return b.bwrap, append(args, s.Args...)
}

// BwrapEnv is the environment to start bwrap itself with: none of the
// caller's, since bwrap is PID 1 inside the sandbox and its environment
// can be read there from /proc/1/environ.
var BwrapEnv = []string{"PATH=/usr/bin:/bin"}

// env is the program's environment: env, with the defaults it lacks.
func (b *Sandbox) env(env []string) []string {
	path := "/usr/local/bin:/usr/bin:/bin"
	if b.goroot != "" {
		path = filepath.Join(b.goroot, "bin") + ":" + path
	}
	// As few variables as a learner's shell would have: each one is
	// something code could look for to tell it is graded.
	defaults := []string{"PATH=" + path, "HOME=/tmp", "TMPDIR=/tmp", "LANG=C.UTF-8", "GOTOOLCHAIN=local"}
	if b.modDir != "" {
		defaults = append(defaults, "GOMODCACHE="+b.modDir)
	}
	out := append([]string{}, env...)
	for _, kv := range defaults {
		k, _, _ := strings.Cut(kv, "=")
		if !hasKey(env, k) {
			out = append(out, kv)
		}
	}
	return out
}

func hasKey(env []string, key string) bool {
	for _, kv := range env {
		if strings.HasPrefix(kv, key+"=") {
			return true
		}
	}
	return false
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
