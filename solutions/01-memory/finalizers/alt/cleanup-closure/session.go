// Package finalizers is a small client library. A Session holds a
// connection, and the connection holds a handle from the operating system
// (a Table here). Callers are meant to Close a Session when they are done;
// as a safety net, the library also releases the handle of a Session that
// was forgotten, once the garbage collector finds it unreachable.
package finalizers

import (
	"errors"
	"runtime"
)

// ErrClosed is returned by Write and Close on a closed Session.
var ErrClosed = errors.New("finalizers: session closed")

// Session is one client session. Use Dial to make one.
type Session struct {
	conn    *conn
	buf     []byte // write buffer, allocated on the first Write
	sent    int    // bytes the connection has confirmed
	cleanup runtime.Cleanup
}

// conn is the connection under a Session. It reports back to the Session
// that owns it, so it keeps a pointer to it.
type conn struct {
	owner  *Session
	table  *Table
	handle int
	closed bool
}

// handleRef is what the cleanup needs to release a handle. It must not
// lead back to the Session: if the cleanup's argument can reach the
// object, the object stays reachable and the cleanup never runs.
type handleRef struct {
	table  *Table
	handle int
}

func (h handleRef) release() { h.table.Release(h.handle) }

// Dial opens a Session with a new handle from t.
func Dial(t *Table) *Session {
	s := &Session{}
	s.conn = &conn{owner: s, table: t, handle: t.Open()}
	// Safety net: release the handle if the caller forgets to Close. A
	// cleanup, unlike a finalizer, does not receive the object, so the
	// Session -> conn -> Session cycle can be collected, and the memory
	// goes back in the same collection that finds it unreachable.
	table, handle := t, s.conn.handle // copies: the closure must not capture s
	s.cleanup = runtime.AddCleanup(s, func(struct{}) { table.Release(handle) }, struct{}{})
	return s
}

// Write sends p over the session.
func (s *Session) Write(p []byte) (int, error) {
	if s.conn.closed {
		return 0, ErrClosed
	}
	if s.buf == nil {
		s.buf = make([]byte, 0, 4096)
	}
	s.buf = append(s.buf[:0], p...)
	s.conn.send(len(s.buf))
	return len(p), nil
}

// Close releases the session's handle. Closing twice returns ErrClosed.
func (s *Session) Close() error {
	s.cleanup.Stop() // closed by hand: the safety net must not release again
	return s.conn.close()
}

func (c *conn) send(n int) { c.owner.sent += n }

func (c *conn) close() error {
	if c.closed {
		return ErrClosed
	}
	c.closed = true
	c.table.Release(c.handle)
	return nil
}
