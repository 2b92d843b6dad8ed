// Package testkit holds the checks that every lab's tests share.
//
// Each check measures one figure that does not move with machine load
// (goroutines left running, allocations per call, heap bytes retained after
// a collection, database queries, Redis round trips) and fails the test with
// a message that states the figure, the budget and where to look next.
//
// # Usage
//
// Call a check from a lab test with the test's *testing.T:
//
//	func TestSearchLeavesNoGoroutines(t *testing.T) {
//		testkit.NoLeaks(t, "the goroutines started in Search (search.go)")
//		for range 1000 {
//			Search(ctx, "gopher")
//		}
//	}
//
// Wall-clock speed is gated only through FasterThan, and only for gaps that
// are expected to be ten times or more; see its documentation.
//
// # Under the race detector
//
// The race detector changes allocation counts and slows code by an order of
// magnitude, so the exact allocation and speed gates log that they were not
// checked instead of failing. Every other check holds under -race.
package testkit
