// This go.mod only fences the reference solutions off from the course's
// module, so that `go build ./...` and `go vet ./...` at the root see the
// broken labs and not their answers. perflab swaps a solution in with
// `go test -overlay`; nothing builds this module on its own.
module github.com/goperflabs/labs/solutions

go 1.26.0
