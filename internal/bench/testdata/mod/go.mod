// A tiny module for package bench's tests: one benchmark, and in ../slow
// a version of its code ten times slower that an overlay swaps in.
module example.com/benchfixture

go 1.26.0
