package allocdiet

import (
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
	// The pool holds *[]byte: a pointer fits in an interface as it is,
	// while a slice header would be copied to the heap on every Put.
	bp, _ := f.pool.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	b := appendRecord((*bp)[:0], r)
	_, err := w.Write(b)
	if len(b) <= maxPooled {
		*bp = b
		f.pool.Put(bp)
	}
	return err
}

// appendRecord appends the line of r to dst and returns the extended
// slice. It allocates only when dst has to grow.
func appendRecord(dst []byte, r Record) []byte {
	dst = appendEscaped(dst, r.Name, nameSpecial)
	for _, t := range r.Tags {
		dst = append(dst, ',')
		dst = appendEscaped(dst, t.Key, tagSpecial)
		dst = append(dst, '=')
		dst = appendEscaped(dst, t.Value, tagSpecial)
	}
	dst = append(dst, " value="...)
	dst = strconv.AppendFloat(dst, r.Value, 'g', -1, 64)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, r.Time, 10)
	return append(dst, '\n')
}

// appendEscaped appends s to dst with a backslash before each byte that is
// in special.
func appendEscaped(dst []byte, s, special string) []byte {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(special, s[i]) >= 0 {
			dst = append(dst, '\\')
		}
		dst = append(dst, s[i])
	}
	return dst
}
