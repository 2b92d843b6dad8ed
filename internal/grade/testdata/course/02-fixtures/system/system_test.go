package system

import "testing"

func TestGreet(t *testing.T) {
	if got := Greet("ann"); got != "hello ann" {
		t.Errorf("Greet(%q) = %q, want %q", "ann", got, "hello ann")
	}
}

func TestGreetEmpty(t *testing.T) {
	if got := Greet(""); got != "hello " {
		t.Errorf("Greet(%q) = %q, want %q", "", got, "hello ")
	}
}
