package profile

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/pprof/profile"

	"github.com/goperflabs/labs/internal/store"
)

// Reserve creates a new, empty file for a profile of kind k in dir, named
// <kind>-<time><ext>, and returns its path. It never reuses a name: a
// second profile in the same millisecond gets a suffix.
func Reserve(dir string, k Kind, now time.Time) (string, error) {
	return store.Reserve(dir, string(k), k.Ext(), now)
}

// Previous returns the newest profile of kind k in dir other than except,
// or "" if there is none.
func Previous(dir string, k Kind, except string) string {
	files, _ := filepath.Glob(filepath.Join(dir, string(k)+"-*"+k.Ext()))
	files = slices.DeleteFunc(files, func(f string) bool {
		st, err := os.Stat(f)
		return f == except || err != nil || st.Size() == 0 || strings.HasSuffix(f, ".tmp")
	})
	if len(files) == 0 {
		return ""
	}
	slices.SortFunc(files, func(a, b string) int {
		return compareNames(filepath.Base(a), filepath.Base(b))
	})
	return files[len(files)-1]
}

// compareNames orders profile names by time, then by suffix ("-2" after
// none, "-10" after "-9").
func compareNames(a, b string) int {
	ka, na := nameKey(a)
	kb, nb := nameKey(b)
	if c := strings.Compare(ka, kb); c != 0 {
		return c
	}
	return na - nb
}

// nameKey splits "cpu-20261202-064700.123-2.pprof" into its time and its
// suffix number (1 when there is none).
func nameKey(name string) (string, int) {
	const stampLen = len(store.Stamp)
	_, rest, _ := strings.Cut(name, "-")
	if len(rest) < stampLen {
		return rest, 1
	}
	n := 1
	fmt.Sscanf(rest[stampLen:], "-%d", &n)
	return rest[:stampLen], n
}

// Profile is a parsed profile, as github.com/google/pprof/profile reads it.
type Profile = profile.Profile

// Load reads a profile file.
func Load(path string) (*profile.Profile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading the profile: %w", err)
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("reading the profile %s: %w", path, err)
	}
	return p, nil
}

// FreePort returns a TCP port on 127.0.0.1 that nothing listens on now.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
