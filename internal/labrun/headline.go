package labrun

import (
	"fmt"
	"strings"
)

// Headline is the result's one-line summary, as it follows the lab's name
// in a report: "passed (3 tests)", "failed: TestA, TestB", "data race in
// TestC", "does not compile".
func (r Result) Headline() string {
	switch r.Outcome {
	case Passed:
		if r.Passed == 1 {
			return "passed (1 test)"
		}
		return fmt.Sprintf("passed (%d tests)", r.Passed)
	case Failed:
		return fmt.Sprintf("failed: %s", strings.Join(r.FailedNames(), ", "))
	case DataRace:
		return fmt.Sprintf("data race in %s", strings.Join(r.racedNames(), ", "))
	case BuildFailed:
		return "does not compile"
	case TimedOut:
		if r.TimedOutTest == "" {
			return fmt.Sprintf("timed out after %s", r.TimedOutAfter)
		}
		return fmt.Sprintf("timed out in %s after %s", r.TimedOutTest, r.TimedOutAfter)
	case Panicked:
		return fmt.Sprintf("panicked in %s", strings.Join(r.FailedNames(), ", "))
	case Rejected:
		return "rejected before any test ran"
	default:
		return "failed outside any test"
	}
}

// FailedNames lists the failed tests, at most four and a count of the rest.
func (r Result) FailedNames() []string {
	var names []string
	for _, f := range r.Failures {
		names = append(names, f.Test)
	}
	return cutNames(names)
}

func (r Result) racedNames() []string {
	var names []string
	for _, f := range r.Failures {
		if len(f.Races) > 0 {
			names = append(names, f.Test)
		}
	}
	if len(names) == 0 {
		return []string{"the package (outside any test)"}
	}
	return cutNames(names)
}

func cutNames(names []string) []string {
	if len(names) > 4 {
		names = append(names[:4], fmt.Sprintf("and %d more", len(names)-4))
	}
	return names
}
