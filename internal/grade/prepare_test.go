package grade

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goperflabs/labs/internal/sandbox"
)

// TestNoSandboxRefusesInOneLine: where bwrap cannot be found, grading
// refuses before any student code runs, in one line that names the
// install command and the flag that runs without the sandbox.
func TestNoSandboxRefusesInOneLine(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", filepath.Dir(goBin))
	g := NewGrader(fixture.course)
	defer g.Close()
	err = g.Prepare(context.Background())
	if !errors.Is(err, sandbox.ErrUnavailable) {
		t.Fatalf("Prepare: %v, want sandbox.ErrUnavailable", err)
	}
	msg := err.Error()
	for _, want := range []string{"apt-get install bubblewrap", "--unsandboxed"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("%q is more than one line", msg)
	}
}
