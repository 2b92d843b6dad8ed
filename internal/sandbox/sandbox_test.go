package sandbox

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// newSandbox returns a sandbox, or skips where none can be made, unless
// PERFLAB_REQUIRE_SANDBOX=1 (as CI sets it) makes that a failure.
func newSandbox(t *testing.T) *Sandbox {
	t.Helper()
	b, err := New(context.Background(), t.TempDir())
	if errors.Is(err, ErrUnavailable) && os.Getenv("PERFLAB_REQUIRE_SANDBOX") != "1" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// sh runs script in a sandbox that sees dirs, and returns its output.
func sh(t *testing.T, b *Sandbox, s Spec, script string) (string, error) {
	t.Helper()
	s.Program, s.Args = "/bin/sh", []string{"-c", script}
	if s.Dir == "" {
		s.Dir = "/tmp"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name, args := b.Command(s)
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = BwrapEnv
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestSeesOnlyWhatItIsGiven(t *testing.T) {
	b := newSandbox(t)
	shown, secret := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(shown, "a"), []byte("a"), 0o644)
	os.WriteFile(filepath.Join(secret, "b"), []byte("b"), 0o644)
	os.Mkdir(filepath.Join(shown, "solutions"), 0o755)
	os.WriteFile(filepath.Join(shown, "solutions", "c"), []byte("c"), 0o644)
	out, err := sh(t, b, Spec{ReadOnly: []string{shown}, Hide: []string{filepath.Join(shown, "solutions")}},
		"cat "+shown+"/a; cat "+secret+"/b; ls "+shown+"/solutions | wc -l; ls /root /home 2>&1 | head -2; echo x > "+shown+"/new || echo refused")
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if !strings.HasPrefix(out, "a") || strings.Contains(out, "\nb") || !strings.Contains(out, "0\n") || !strings.Contains(out, "refused") {
		t.Errorf("the sandbox saw:\n%s\nwant a readable, read-only shown folder, no secret folder and an empty solutions/", out)
	}
	if _, err := os.Stat(filepath.Join(shown, "new")); err == nil {
		t.Error("the sandbox wrote into a read-only folder")
	}
}

func TestBindReplacesAFile(t *testing.T) {
	b := newSandbox(t)
	dir, other := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(dir, "f.go"), []byte("shipped"), 0o644)
	os.WriteFile(filepath.Join(other, "f.go"), []byte("student"), 0o644)
	out, err := sh(t, b, Spec{ReadOnly: []string{dir}, Binds: []Bind{{filepath.Join(other, "f.go"), filepath.Join(dir, "f.go")}}}, "cat "+dir+"/f.go")
	if err != nil || out != "student" {
		t.Errorf("got %q, %v; want the bound file", out, err)
	}
}

func TestNetworkIsLoopbackOnly(t *testing.T) {
	b := newSandbox(t)
	out, err := sh(t, b, Spec{}, "cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' '")
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if strings.TrimSpace(out) != "lo" {
		t.Errorf("interfaces in the sandbox: %q, want only lo", out)
	}
}

func TestTmpIsPrivateAndCapped(t *testing.T) {
	b := newSandbox(t)
	out, err := sh(t, b, Spec{Tmp: 4 << 20}, "head -c 8388608 /dev/zero > /tmp/big 2>/dev/null; wc -c < /tmp/big; touch /tmp/perflab-sandbox-test-marker")
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if n := strings.TrimSpace(out); n == "8388608" {
		t.Errorf("wrote %s bytes to a /tmp capped at 4 MiB", n)
	}
	if _, err := os.Stat("/tmp/perflab-sandbox-test-marker"); err == nil {
		os.Remove("/tmp/perflab-sandbox-test-marker")
		t.Error("a file written to the sandbox's /tmp appeared in the host's /tmp")
	}
}

func TestNoProcessOutlivesTheSandbox(t *testing.T) {
	b := newSandbox(t)
	marker := "perflab-sandbox-test-" + strings.ReplaceAll(t.Name(), "/", "-")
	// A setsid child that sleeps on, named by its argument so it can be
	// found in the host's /proc.
	out, err := sh(t, b, Spec{}, "setsid sleep 300 "+marker+" >/dev/null 2>&1 & sleep 0.2; echo started")
	if err == nil && !strings.Contains(out, "started") {
		t.Fatalf("unexpected output %q", out)
	}
	time.Sleep(200 * time.Millisecond)
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(cmd), marker) {
			t.Errorf("process %s (%q) outlived its sandbox", e.Name(), strings.ReplaceAll(string(cmd), "\x00", " "))
		}
	}
}

func TestEnvironmentIsNotInherited(t *testing.T) {
	b := newSandbox(t)
	t.Setenv("PERFLAB_SANDBOX_SECRET", "x")
	out, err := sh(t, b, Spec{Env: []string{"A=1"}}, "env | sort; tr '\\0' '\\n' < /proc/1/environ")
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if strings.Contains(out, "PERFLAB_SANDBOX_SECRET") || strings.Contains(out, "GOCACHE=") || !strings.Contains(out, "A=1\n") || !strings.Contains(out, "HOME=/tmp\n") {
		t.Errorf("environment in the sandbox (its own, then PID 1's):\n%s", out)
	}
}

func TestOnlyTmpIsWritable(t *testing.T) {
	b := newSandbox(t)
	out, err := sh(t, b, Spec{}, "for d in / /dev /dev/shm /etc /usr; do touch $d/perflab-x 2>/dev/null && echo wrote $d; done; echo x > /dev/null && touch /tmp/y && echo tmp")
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if strings.TrimSpace(out) != "tmp" {
		t.Errorf("the sandbox could write outside /tmp:\n%s", out)
	}
}
