package cli

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// isTerminal reports whether w is a terminal, where color makes sense.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
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
