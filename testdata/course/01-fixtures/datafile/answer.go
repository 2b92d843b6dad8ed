// Package datafile is a fixture lab whose answer is not Go: answer.txt,
// read from disk by its test.
package datafile

// Want is the answer answer.txt must hold.
const Want = "42"
