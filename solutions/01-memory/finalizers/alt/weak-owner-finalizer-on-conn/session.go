// Package finalizers is a small client library. A Session holds a
// connection, and the connection holds a handle from the operating system
// (a Table here). Callers are meant to Close a Session when they are done;
// as a safety net, the library also releases the handle of a Session that
// was forgotten, once the garbage collector finds it unreachable.
package finalizers

import (
	"errors"
	"runtime"
	"weak"
)

// ErrClosed is returned by Write and Close on a closed Session.
var ErrClosed = errors.New("finalizers: session closed")

// Session is one client session. Use Dial to make one.
type Session struct {
	conn *conn
	buf  []byte // write buffer, allocated on the first Write
	sent int    // bytes the connection has confirmed
}

// conn is the connection under a Session. It reports back to the Session
// that owns it, so it keeps a pointer to it.
type conn struct {
	owner  weak.Pointer[Session] // weak: no cycle for the collector to trip on
	table  *Table
	handle int
	closed bool
}

// Dial opens a Session with a new handle from t.
func Dial(t *Table) *Session {
	s := &Session{}
	s.conn = &conn{owner: weak.Make(s), table: t, handle: t.Open()}
	// Safety net on the conn, which holds no buffer (os.File's shape): the
	// Session is freed by the first collection, the small conn by the next.
	runtime.SetFinalizer(s.conn, func(c *conn) { c.close() })
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
	runtime.SetFinalizer(s.conn, nil) // closed by hand: nothing left to do later
	return s.conn.close()
}

func (c *conn) send(n int) {
	if s := c.owner.Value(); s != nil {
		s.sent += n
	}
}

func (c *conn) close() error {
	if c.closed {
		return ErrClosed
	}
	c.closed = true
	c.table.Release(c.handle)
	return nil
}
