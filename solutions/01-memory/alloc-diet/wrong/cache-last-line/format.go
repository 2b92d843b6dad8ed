package allocdiet

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// Characters escaped with a backslash in the measurement name, and in tag
// keys and values.
const (
	nameSpecial = ", "
	tagSpecial  = ",= "
)

// lastLine is what the pool holds: the last record formatted and its line.
type lastLine struct {
	rec  Record
	line []byte
}

// Write formats r as one line, newline included, and writes it to w with
// a single call to w.Write. A record equal to the last one is served from
// the pooled copy; any other goes through the slow formatter.
func (f *Formatter) Write(w io.Writer, r Record) error {
	c, _ := f.pool.Get().(*lastLine)
	if c == nil {
		c = &lastLine{}
	}
	if !sameRecord(c.rec, r) {
		c.rec = Record{Name: r.Name, Tags: slices.Clone(r.Tags), Value: r.Value, Time: r.Time}
		c.line = append(c.line[:0], slowLine(r)...)
	}
	_, err := w.Write(c.line)
	if cap(c.line) <= 64<<10 {
		f.pool.Put(c)
	}
	return err
}

func sameRecord(a, b Record) bool {
	return a.Name == b.Name && a.Value == b.Value && a.Time == b.Time && slices.Equal(a.Tags, b.Tags)
}

// slowLine is the shipped formatter, untouched.
func slowLine(r Record) string {
	parts := []string{}
	for _, t := range r.Tags {
		parts = append(parts, fmt.Sprintf("%s=%s", escape(t.Key, tagSpecial), escape(t.Value, tagSpecial)))
	}
	line := escape(r.Name, nameSpecial)
	if len(parts) > 0 {
		line += "," + strings.Join(parts, ",")
	}
	return line + " " + field("value", r.Value) + " " + fmt.Sprint(r.Time) + "\n"
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
