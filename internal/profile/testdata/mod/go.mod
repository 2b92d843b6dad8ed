// A tiny module for package profile's tests: a benchmarked package that
// burns CPU, allocates, contends on a mutex, blocks and parks goroutines,
// and a package with tests but no benchmark.
module example.com/profilefixture

go 1.26.0
