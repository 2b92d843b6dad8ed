package cli

import (
	"runtime"

	"github.com/goperflabs/labs/internal/labrun"
)

func errNoGoForTest() error { return labrun.ErrNoGo }

func testGoroutines() int { return runtime.NumGoroutine() }
