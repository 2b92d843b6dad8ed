package allocdiet

import (
	"fmt"
	"io"
	"strings"
)

// Characters escaped with a backslash in the measurement name, and in tag
// keys and values.
const (
	nameSpecial = ", "
	tagSpecial  = ",= "
)

// Write formats r as one line, newline included, and writes it to w with
// a single call to w.Write.
func (f *Formatter) Write(w io.Writer, r Record) error {
	buf, _ := f.pool.Get().([]byte)

	parts := []string{}
	for _, t := range r.Tags {
		parts = append(parts, fmt.Sprintf("%s=%s", escape(t.Key, tagSpecial), escape(t.Value, tagSpecial)))
	}
	line := escape(r.Name, nameSpecial)
	if len(parts) > 0 {
		line += "," + strings.Join(parts, ",")
	}
	line += " " + field("value", r.Value) + " " + fmt.Sprint(r.Time) + "\n"

	buf = append(buf[:0], line...)
	_, err := w.Write(buf)
	f.pool.Put(buf)
	return err
}

// field formats one key=value field.
func field(key string, v any) string {
	return key + "=" + fmt.Sprint(v)
}

// escape puts a backslash before each byte of s that is in special.
func escape(s, special string) string {
	out := ""
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(special, s[i]) >= 0 {
			out += `\`
		}
		out += s[i : i+1]
	}
	return out
}
