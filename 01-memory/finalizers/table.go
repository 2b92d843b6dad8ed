package finalizers

import "sync"

// Table stands in for the operating system's table of open handles (file
// descriptors, sockets). Open hands out a handle; Release gives it back.
// It counts what it sees so the tests can tell a leak from a double
// release. It is safe for use by many goroutines at once.
type Table struct {
	mu       sync.Mutex
	next     int
	open     map[int]bool
	released int
	double   int
}

// NewTable returns an empty table.
func NewTable() *Table { return &Table{open: map[int]bool{}} }

// Open returns a new handle.
func (t *Table) Open() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.next++
	t.open[t.next] = true
	return t.next
}

// Release gives a handle back. Releasing one that is not open (twice, or
// never opened) is counted as a double release: on a real system it could
// close a handle that has since been given to someone else.
func (t *Table) Release(h int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.open[h] {
		t.double++
		return
	}
	delete(t.open, h)
	t.released++
}

// Stats returns how many handles are open now, how many were released and
// how many releases were of handles that were not open.
func (t *Table) Stats() (open, released, double int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.open), t.released, t.double
}
