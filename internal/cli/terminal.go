package cli

import (
	"io"
	"os"
)

// isTerminal reports whether w is a character device, such as a terminal,
// where color and a progress line make sense; a file or a pipe is not.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// paint wraps s in an ANSI color when color is on.
func (a *app) paint(code, s string) string {
	if !a.color {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (a *app) green(s string) string { return a.paint("32", s) }
func (a *app) red(s string) string   { return a.paint("31", s) }
func (a *app) bold(s string) string  { return a.paint("1", s) }
func (a *app) dim(s string) string   { return a.paint("2", s) }
