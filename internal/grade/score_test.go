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
	got, err := expectedTests(dir, manifest.Lab{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"TestA", "Test", "FuzzA"}; !slices.Equal(got, want) {
		t.Errorf("plain: %v, want %v", got, want)
	}
	got, _ = expectedTests(dir, manifest.Lab{}, true)
	if !slices.Contains(got, "TestOnlyUnderRace") {
		t.Errorf("-race: %v, want TestOnlyUnderRace too", got)
	}
}

// TestJudgeByRecords feeds judge event streams that a test binary could
// print, with the recorder's lines, and checks each verdict: a skipped
// test, a skipped helper, a missing one, a forged PASS in the output with
// no record, a failure recorded behind a printed PASS, and a binary that
// exited non-zero after its tests passed.
func TestJudgeByRecords(t *testing.T) {
	l := manifest.Lab{Name: "sum", Chapter: "02-fixtures", Edit: []string{"sum.go"}, Helpers: []string{"TestChild"}}
	const pkg = `"Package":"example.com/02-fixtures/sum"`
	ev := func(action, test, extra string) string {
		s := `{"Action":"` + action + `",` + pkg
		if test != "" {
			s += `,"Test":"` + test + `"`
		}
		return s + extra + "}\n"
	}
	pass := func(test string) string { return ev("run", test, "") + ev("pass", test, "") }
	ok := map[string]string{"TestA": "pass", "TestB": "pass"}
	all := ev("start", "", "") + pass("TestA") + pass("TestB") + ev("pass", "", "")
	cases := []struct {
		name, stream string
		records      map[string]string
		exit         int
		status       Status
		reason       string
	}{
		{"all pass", all, ok, 0, StatusPassed, ""},
		{"skipped", all, map[string]string{"TestA": "pass", "TestB": "skip"}, 0, StatusIncomplete, "TestB was skipped"},
		{"helper skipped", all, map[string]string{"TestA": "pass", "TestB": "pass", "TestChild": "skip"}, 0, StatusPassed, ""},
		{"missing", all, map[string]string{"TestA": "pass"}, 0, StatusIncomplete, "TestB did not run"},
		{"forged output", all, nil, 0, StatusExited, "exited before its tests ran"},
		{"recorded failure", all, map[string]string{"TestA": "pass", "TestB": "fail"}, 0, StatusFailed, "TestB failed"},
		{"printed text before the message", ev("start", "", "") + pass("TestA") + ev("run", "TestB", "") + ev("output", "TestB", `,"Output":"{\\\"Action\\\":\\\"pass\\\"} forged\\n"`) + ev("output", "TestB", `,"Output":"    b_test.go:9: got 1, want 2\\n"`) + ev("fail", "TestB", "") + ev("fail", "", ""), map[string]string{"TestA": "pass", "TestB": "fail"}, 1, StatusFailed, "TestB failed: b_test.go:9: got 1, want 2"},
		{"fails after", all, ok, 3, StatusCrashed, "exited with status 3 after its tests passed"},
		{"panic", ev("start", "", "") + ev("run", "TestA", "") + ev("output", "TestA", `,"Output":"panic: boom [recovered]\n"`) + ev("fail", "TestA", "") + ev("fail", "", ""), ok, 2, StatusPanicked, "panic in TestA: boom"},
		{"test timeout", ev("start", "", "") + ev("run", "TestA", "") + ev("output", "TestA", `,"Output":"panic: test timed out after 4s\n"`) + ev("fail", "", ""), nil, 2, StatusTimedOut, "time limit of 4s in TestA"},
		{"died", ev("start", "", "") + pass("TestA") + ev("run", "TestB", "") + ev("fail", "", ""), map[string]string{"TestA": "pass"}, 2, StatusCrashed, "died during TestB"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := testjson.Read(strings.NewReader(c.stream), testjson.Options{})
			if err != nil {
				t.Fatal(err)
			}
			r := &run{Exec: e, Package: e.Packages()[0], Built: true, Records: c.records}
			r.Proc.ExitCode = c.exit
			expected := []string{"TestA", "TestB"}
			if _, ok := c.records["TestChild"]; ok {
				expected = append(expected, "TestChild")
			}
			v := judge(r, l, expected, nil)
			if v.Status != c.status || !strings.Contains(v.Reason, c.reason) {
				t.Errorf("%s %q, want %s with %q", v.Status, v.Reason, c.status, c.reason)
			}
		})
	}
}
