package forks

import (
	"os"
	"testing"
)

// TestWorker leaves its worker running; perflab must kill it when the test
// binary ends. PERFLAB_FIXTURE_PIDFILE tells the engine's test where to
// find the worker's pid.
func TestWorker(t *testing.T) {
	if err := StartWorker(os.Getenv("PERFLAB_FIXTURE_PIDFILE")); err != nil {
		t.Fatal(err)
	}
}
