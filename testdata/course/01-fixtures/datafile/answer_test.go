package datafile

import (
	"os"
	"strings"
	"testing"
	"time"
)

// TestAnswer reads answer.txt twice, a moment apart: a run that shares
// the lab's folder with another run of the same lab would see the other
// run's file the second time.
func TestAnswer(t *testing.T) {
	first, err := os.ReadFile("answer.txt")
	if err != nil {
		t.Fatalf("no answer.txt: %v", err)
	}
	time.Sleep(300 * time.Millisecond)
	second, err := os.ReadFile("answer.txt")
	if err != nil || string(second) != string(first) {
		t.Fatalf("answer.txt changed while the test ran (%q, then %q): another run wrote into this folder", first, second)
	}
	if got := strings.TrimSpace(string(first)); got != Want {
		t.Fatalf("answer.txt says %q, want %s", got, Want)
	}
}
