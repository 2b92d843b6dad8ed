// A one-lab course whose lab leaks memory and goroutines as shipped;
// chart's tests (and the cli's) sample it.
module example.com/chartcourse

go 1.26.0
