package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The README is where learners meet perflab; these tests keep it and the
// tool in step.

func readme(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestEveryCommandIsDocumented(t *testing.T) {
	doc := readme(t)
	for name := range commands {
		if name == "" {
			continue
		}
		if !strings.Contains(usage, "\n  "+name) {
			t.Errorf("perflab help does not list %q", name)
		}
		if !strings.Contains(doc, "`… "+name) {
			t.Errorf("README.md's command table does not list %q", name)
		}
	}
}

func TestQuickStartHasTheTwoCommands(t *testing.T) {
	doc := readme(t)
	start := strings.Index(doc, "## Quick start")
	end := strings.Index(doc[start+1:], "\n## ")
	if start < 0 || end < 0 {
		t.Fatal("README.md has no Quick start section")
	}
	section := doc[start : start+1+end]
	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(section, -1)
	var cmds []string
	for _, b := range blocks {
		cmds = append(cmds, strings.TrimSpace(b[1]))
	}
	want := []string{"go run ./cmd/perflab", "go test -timeout 30m ./internal/... ./cmd/... && go run ./cmd/perflab verify"}
	if strings.Join(cmds, "\n") != strings.Join(want, "\n") {
		t.Errorf("Quick start shows %q, want exactly %q", cmds, want)
	}
	ci, err := os.ReadFile(filepath.Join("..", "..", ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ci), "readme_test='"+want[1]+"'") {
		t.Errorf(".ci/run does not run the README's test command %q", want[1])
	}
}
