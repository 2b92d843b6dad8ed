package grade

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
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
