// Command escape holds three tiny functions for the compiler's escape
// analysis to judge. Ask it what it decided:
//
//	go build -gcflags=-m ./01-memory/examples/escape
package main

import "fmt"

type user struct {
	name string
	age  int
}

// onStack returns a copy; u never leaves the function.
func onStack() user {
	u := user{name: "ada", age: 36}
	return u
}

// toHeap returns a pointer to u, which must outlive the call.
func toHeap() *user {
	u := user{name: "grace", age: 45}
	return &u
}

// sum's slice is only read inside the function.
func sum(xs []int) int {
	t := 0
	for _, x := range xs {
		t += x
	}
	return t
}

func main() {
	a := onStack()
	b := toHeap()
	n := sum([]int{1, 2, 3})
	fmt.Println(a.name, b.name, n)
}
