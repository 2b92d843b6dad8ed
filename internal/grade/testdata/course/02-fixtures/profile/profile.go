// Package profile is a fixture lab whose answer is a data file,
// default.pgo, read from disk by its test.
package profile

// Hot is what default.pgo must hold, gzipped.
const Hot = "hot"
