package livepprof_test

import (
	"net"
	"strings"
	"testing"

	livepprof "github.com/goperflabs/labs/02-profiling/live-pprof"
)

// TestProfilingOnlyOnAdminListener checks where the profiling endpoints
// are served: never on the public listener, where anyone could read the
// program's stacks and start a CPU profile; on the admin listener, yes.
func TestProfilingOnlyOnAdminListener(t *testing.T) {
	srv := start(t, 200, rand64())
	public, admin := "http://"+srv.Addr(), "http://"+srv.AdminAddr()

	for _, path := range []string{"/debug/pprof/", "/debug/pprof/goroutine?debug=1", "/debug/pprof/cmdline", "/debug/pprof/heap"} {
		if code, _ := get(t, public+path); code != 404 {
			t.Errorf("GET %s on the public listener: status %d, want 404: the profiling endpoints must not be served there "+
				"(curl -i %s%s; which handler answers it?)", path, code, public, path)
		}
	}
	if code, body := get(t, public+"/products/7"); code != 200 || !strings.Contains(body, `"id":7`) {
		t.Errorf("GET /products/7 on the public listener: status %d, body %.80q; want 200 and product 7", code, body)
	}

	checks := []struct{ path, want string }{
		{"/debug/pprof/", "goroutine"},
		{"/debug/pprof/goroutine?debug=1", "goroutine profile: total"},
		{"/debug/pprof/heap?debug=1", "heap profile:"},
		{"/debug/pprof/cmdline", ""},
		{"/debug/pprof/symbol", "num_symbols"},
	}
	for _, c := range checks {
		code, body := get(t, admin+c.path)
		if code != 200 || !strings.Contains(body, c.want) {
			t.Errorf("GET %s on the admin listener: status %d, body %.60q; want 200 and %q in the body (curl -i %s%s)", c.path, code, body, c.want, admin, c.path)
		}
	}
	if code, _ := get(t, admin+"/healthz"); code != 200 {
		t.Errorf("GET /healthz on the admin listener: status %d, want 200", code)
	}
}

// TestAdminListenerIsLoopbackOnly asks for an admin listener on every
// interface. Start must either refuse or listen on loopback only.
func TestAdminListenerIsLoopbackOnly(t *testing.T) {
	for _, addr := range []string{":0", "0.0.0.0:0", "[::]:0"} {
		srv, err := livepprof.Start(livepprof.Config{Addr: "127.0.0.1:0", AdminAddr: addr, Products: 100, Logger: discardLogger()})
		if err != nil {
			t.Logf("a service started with AdminAddr %q: %v (refused: good)", addr, err)
			continue
		}
		got := srv.AdminAddr()
		if err := srv.Close(); err != nil {
			t.Errorf("closing the service: %v", err)
		}
		host, _, err := net.SplitHostPort(got)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			t.Errorf("a service started with AdminAddr %q: its admin listener is on %s, reachable from other hosts; want an error, or a loopback address such as 127.0.0.1 "+
				"(ss -ltnp shows which addresses a process listens on)", addr, got)
		}
	}
}
