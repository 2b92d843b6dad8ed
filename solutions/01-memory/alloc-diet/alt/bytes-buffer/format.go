package allocdiet

import (
	"bytes"
	"io"
	"strconv"
	"strings"
)

// Characters escaped with a backslash in the measurement name, and in tag
// keys and values.
const (
	nameSpecial = ", "
	tagSpecial  = ",= "
)

// maxPooled is the largest buffer Write gives back to the pool. One huge
// record must not leave a huge buffer in the pool for good.
const maxPooled = 64 << 10

// Write formats r as one line, newline included, and writes it to w with
// a single call to w.Write.
func (f *Formatter) Write(w io.Writer, r Record) error {
	// The pool holds *bytes.Buffer: a pointer fits in an interface as it is.
	buf, _ := f.pool.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	buf.Reset()
	writeRecord(buf, r)
	_, err := w.Write(buf.Bytes())
	if buf.Cap() <= maxPooled {
		f.pool.Put(buf)
	}
	return err
}

// writeRecord writes the line of r into buf, using the spare room at its
// end for the numbers.
func writeRecord(buf *bytes.Buffer, r Record) {
	writeEscaped(buf, r.Name, nameSpecial)
	for _, t := range r.Tags {
		buf.WriteByte(',')
		writeEscaped(buf, t.Key, tagSpecial)
		buf.WriteByte('=')
		writeEscaped(buf, t.Value, tagSpecial)
	}
	buf.WriteString(" value=")
	buf.Write(strconv.AppendFloat(buf.AvailableBuffer(), r.Value, 'g', -1, 64))
	buf.WriteByte(' ')
	buf.Write(strconv.AppendInt(buf.AvailableBuffer(), r.Time, 10))
	buf.WriteByte('\n')
}

// writeEscaped writes s with a backslash before each byte in special,
// copying the runs between them in one call each.
func writeEscaped(buf *bytes.Buffer, s, special string) {
	for {
		i := strings.IndexAny(s, special)
		if i < 0 {
			buf.WriteString(s)
			return
		}
		buf.WriteString(s[:i])
		buf.WriteByte('\\')
		buf.WriteByte(s[i])
		s = s[i+1:]
	}
}
