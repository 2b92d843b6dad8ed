//go:build noheap

package main

// writeHeapProfile does nothing: built with -tags noheap, the binary has
// no code that reads heap profiles, and the linker switches sampling off.
func writeHeapProfile() {}
