// Package testjson reads the event stream of `go test -json` and sums it up
// per package and per test: which tests failed and with what messages,
// which package did not build and why, and which test was still running
// when the binary died.
//
// # Usage
//
//	exec, err := testjson.Read(stdout, testjson.Options{})
//	for _, pkg := range exec.Packages() {
//		for _, tc := range pkg.Failed() {
//			fmt.Println(tc.Name, tc.Messages())
//		}
//	}
//
// The Event type mirrors cmd/test2json's TestEvent, plus the ImportPath
// field that `go test -json` uses for build output.
package testjson

import "time"

// Action is what an Event reports.
type Action string

// The actions of cmd/test2json and of `go test -json` build output.
const (
	ActionStart       Action = "start"        // the test binary started
	ActionRun         Action = "run"          // a test started
	ActionPause       Action = "pause"        // a parallel test paused
	ActionCont        Action = "cont"         // a paused test continued
	ActionPass        Action = "pass"         // a test or package passed
	ActionBench       Action = "bench"        // a benchmark printed its result
	ActionFail        Action = "fail"         // a test or package failed
	ActionOutput      Action = "output"       // a line of output
	ActionSkip        Action = "skip"         // a test was skipped, or a package had no tests
	ActionBuildOutput Action = "build-output" // a line from the compiler (go 1.24+)
	ActionBuildFail   Action = "build-fail"   // a build failed (go 1.24+)
	ActionAttr        Action = "attr"         // a test called t.Attr (go 1.25+)
)

// IsTerminal reports whether the action ends a test or a package.
func (a Action) IsTerminal() bool {
	return a == ActionPass || a == ActionFail || a == ActionSkip
}

// Event is one line of `go test -json` output.
type Event struct {
	Time        time.Time `json:",omitempty"`
	Action      Action
	Package     string  `json:",omitempty"`
	Test        string  `json:",omitempty"`
	Elapsed     float64 `json:",omitempty"` // seconds
	Output      string  `json:",omitempty"`
	FailedBuild string  `json:",omitempty"` // on a package's fail: the import path whose build failed
	ImportPath  string  `json:",omitempty"` // on build-output and build-fail
	Key         string  `json:",omitempty"` // on attr: the attribute's key
	Value       string  `json:",omitempty"` // on attr: its value
}
