package grade

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goperflabs/labs/internal/manifest"
	"github.com/goperflabs/labs/internal/testjson"
)

// TestExpectedTests lists what go test runs: Test and Fuzz functions with
// the right parameter, never TestMain, helpers or lower-case names, and
// files excluded by a build constraint only where they are.
func TestExpectedTests(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a_test.go", `package a

import "testing"

func TestMain(m *testing.M) { m.Run() }
func TestA(t *testing.T)     {}
func Testlower(t *testing.T) {}
func TestHelper(b *testing.B) {}
func Test(t *testing.T)      {}
func FuzzA(f *testing.F)     {}
func BenchmarkA(b *testing.B) {}
`)
	write("race_test.go", "//go:build race\n\npackage a\n\nimport \"testing\"\n\nfunc TestOnlyUnderRace(t *testing.T) {}\n")
	got, err := expectedTests(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"TestA", "Test", "FuzzA"}; !slices.Equal(got, want) {
		t.Errorf("plain: %v, want %v", got, want)
	}
	got, _ = expectedTests(dir, true)
	if !slices.Contains(got, "TestOnlyUnderRace") {
		t.Errorf("-race: %v, want TestOnlyUnderRace too", got)
	}
}

// TestJudgeByName feeds judge event streams that go test could print and
// checks each verdict: a skipped test, a missing one, a canary that did
// not report, and a binary that failed after its tests passed.
func TestJudgeByName(t *testing.T) {
	l := manifest.Lab{Name: "sum", Chapter: "02-fixtures", Edit: []string{"sum.go"}}
	cn := canary{Test: "TestPerflabGradeX", Token: "tok"}
	const pkg = `"Package":"example.com/02-fixtures/sum"`
	ev := func(action, test, extra string) string {
		s := `{"Action":"` + action + `",` + pkg
		if test != "" {
			s += `,"Test":"` + test + `"`
		}
		return s + extra + "}\n"
	}
	pass := func(test string) string { return ev("run", test, "") + ev("pass", test, "") }
	canaryOK := ev("run", cn.Test, "") + ev("attr", cn.Test, `,"Key":"perflab.grade.canary","Value":"tok"`) + ev("pass", cn.Test, "")
	cases := []struct {
		name, stream string
		status       Status
		reason       string
	}{
		{"all pass", ev("start", "", "") + pass("TestA") + pass("TestB") + canaryOK + ev("pass", "", ""), StatusPassed, ""},
		{"skipped", ev("start", "", "") + pass("TestA") + ev("run", "TestB", "") + ev("skip", "TestB", "") + canaryOK + ev("pass", "", ""), StatusIncomplete, "TestB was skipped"},
		{"missing", ev("start", "", "") + pass("TestA") + canaryOK + ev("pass", "", ""), StatusIncomplete, "TestB did not run"},
		{"no canary", ev("start", "", "") + pass("TestA") + pass("TestB") + ev("pass", "", ""), StatusCrashed, "grade's own check test did not report"},
		{"wrong token", ev("start", "", "") + pass("TestA") + pass("TestB") + ev("run", cn.Test, "") + ev("pass", cn.Test, "") + ev("pass", "", ""), StatusCrashed, "grade's own check test did not report"},
		{"fails after", ev("start", "", "") + pass("TestA") + pass("TestB") + canaryOK + ev("output", "", `,"Output":"exit status 3\n"`) + ev("fail", "", ""), StatusCrashed, "failed after its tests passed: exit status 3"},
		{"nothing ran", ev("start", "", "") + ev("pass", "", ""), StatusExited, "exited before its tests ran"},
		{"panic", ev("start", "", "") + ev("run", "TestA", "") + ev("output", "TestA", `,"Output":"panic: boom [recovered]\n"`) + ev("fail", "TestA", "") + ev("fail", "", ""), StatusPanicked, "panic in TestA: boom"},
		{"test timeout", ev("start", "", "") + ev("run", "TestA", "") + ev("output", "TestA", `,"Output":"panic: test timed out after 4s\n"`) + ev("fail", "", ""), StatusTimedOut, "time limit of 4s in TestA"},
		{"died", ev("start", "", "") + pass("TestA") + ev("run", "TestB", "") + ev("fail", "", ""), StatusCrashed, "died during TestB"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := testjson.Read(strings.NewReader(c.stream), testjson.Options{})
			if err != nil {
				t.Fatal(err)
			}
			r := &run{Exec: e, Package: e.Packages()[0]}
			v := judge(r, l, []string{"TestA", "TestB"}, cn, nil)
			if v.Status != c.status || !strings.Contains(v.Reason, c.reason) {
				t.Errorf("%s %q, want %s with %q", v.Status, v.Reason, c.status, c.reason)
			}
		})
	}
}
