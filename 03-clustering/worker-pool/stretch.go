// Package workerpool turns a batch of CPU-bound jobs into results. Each job
// stretches a password into a key by hashing it many times over, the way
// a login service checks a password or a build tool fingerprints files:
// pure CPU, no I/O to wait for.
package workerpool

import (
	"crypto/sha256"
	"encoding/binary"
)

// Job is one password to stretch.
type Job struct {
	ID       int
	Password string
	Salt     string
	Rounds   int // how many times to hash; the cost of the job
}

// Result is the key stretched from one Job.
type Result struct {
	ID  int
	Key [sha256.Size]byte
}

// Stretch hashes the job's salt and password, then hashes the digest again
// Rounds times. It only computes: every call with the same Job returns the
// same Result, and two calls can run at the same time.
func Stretch(j Job) Result {
	h := sha256.New()
	h.Write([]byte(j.Salt))
	h.Write([]byte(j.Password))
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	var buf [sha256.Size + 8]byte
	for i := range j.Rounds {
		copy(buf[:], sum[:])
		binary.LittleEndian.PutUint64(buf[sha256.Size:], uint64(i))
		sum = sha256.Sum256(buf[:])
	}
	return Result{ID: j.ID, Key: sum}
}
