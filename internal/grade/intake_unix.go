//go:build unix

package grade

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// openNoFollow opens the file at the slash path rel under root for
// reading without following any link: each folder on the way is opened
// with O_NOFOLLOW|O_DIRECTORY relative to the one before it, and the file
// with O_NOFOLLOW, so a folder or file swapped for a link after it was
// checked is refused, not followed. O_NONBLOCK keeps a FIFO from blocking
// the open; the caller's Fstat refuses anything but a regular file. A
// folder on the way that is a link is errLabFolderLink.
func openNoFollow(root, rel string) (*os.File, error) {
	dir, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: root, Err: err}
	}
	parts := strings.Split(rel, "/")
	for _, p := range parts[:len(parts)-1] {
		fd, err := unix.Openat(dir, p, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		unix.Close(dir)
		switch {
		case errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR):
			return nil, errLabFolderLink
		case err != nil:
			return nil, &fs.PathError{Op: "open", Path: rel, Err: err}
		}
		dir = fd
	}
	fd, err := unix.Openat(dir, parts[len(parts)-1], unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	unix.Close(dir)
	switch {
	case errors.Is(err, unix.ELOOP):
		return nil, fmt.Errorf("%s is not a regular file but a link: submit the file itself", rel)
	case err != nil:
		return nil, &fs.PathError{Op: "open", Path: rel, Err: err}
	}
	return os.NewFile(uintptr(fd), filepath.Join(root, filepath.FromSlash(rel))), nil
}

// linkCount is how many hard links a file has, as Lstat or Fstat saw it.
func linkCount(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 1
}
