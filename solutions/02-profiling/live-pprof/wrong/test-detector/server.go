package livepprof

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// DefaultProducts is the size of the catalogue when Config.Products is 0.
const DefaultProducts = 5000

// Config says where shopd listens and what it serves.
type Config struct {
	// Addr is the public listener, where customers' requests arrive, such
	// as ":8080" (on this course's machines, "127.0.0.1:8080").
	Addr string
	// AdminAddr is the admin listener, for the operators: health checks
	// and request counts. It must not be reachable from outside the host.
	AdminAddr string
	// Products is the size of the catalogue; 0 means DefaultProducts.
	Products int
	// Seed makes the catalogue; the same seed gives the same products.
	Seed uint64
	// Logger receives the server's log lines; nil means slog.Default().
	Logger *slog.Logger
}

// Server is a running shopd: a public listener and an admin listener.
type Server struct {
	cat    *Catalog
	public *http.Server
	admin  *http.Server
	pubLn  net.Listener
	admLn  net.Listener
	log    *slog.Logger
	errs   chan error
}

// Start builds the catalogue, opens both listeners and serves them until
// Close.
func Start(cfg Config) (*Server, error) {
	if cfg.Products == 0 {
		cfg.Products = DefaultProducts
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{cat: NewCatalog(cfg.Products, cfg.Seed), log: cfg.Logger, errs: make(chan error, 2)}
	stats := &routeStats{}
	s.public = &http.Server{Handler: publicHandler(&api{cat: s.cat, stats: stats}), ReadHeaderTimeout: 5 * time.Second}
	s.admin = &http.Server{Handler: adminHandler(stats), ReadHeaderTimeout: 5 * time.Second}

	if err := loopbackOnly(cfg.AdminAddr); err != nil {
		return nil, err
	}
	var err error
	if s.pubLn, err = net.Listen("tcp", cfg.Addr); err != nil {
		return nil, fmt.Errorf("public listener: %w", err)
	}
	if s.admLn, err = net.Listen("tcp", cfg.AdminAddr); err != nil {
		s.pubLn.Close()
		return nil, fmt.Errorf("admin listener: %w", err)
	}
	go s.serve(s.public, s.pubLn)
	go s.serve(s.admin, s.admLn)
	s.log.Info("shopd listening", "public", "http://"+s.Addr(), "admin", "http://"+s.AdminAddr(),
		"products", cfg.Products, "pprof", "http://"+s.AdminAddr()+"/debug/pprof/")
	return s, nil
}

// publicHandler serves the customers' routes.
func publicHandler(a *api) http.Handler {
	mux := http.NewServeMux()
	a.routes(mux)
	return mux
}

// adminHandler serves the operators' routes.
func adminHandler(stats *routeStats) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, stats.snapshot())
	})
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// loopbackOnly refuses an admin address that other hosts could reach.
func loopbackOnly(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("admin address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("admin address %q: must be a loopback address such as 127.0.0.1", addr)
}

func (s *Server) serve(srv *http.Server, ln net.Listener) {
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		s.errs <- err
	}
}

// Addr returns the public listener's address, such as "127.0.0.1:8080".
func (s *Server) Addr() string { return s.pubLn.Addr().String() }

// AdminAddr returns the admin listener's address.
func (s *Server) AdminAddr() string { return s.admLn.Addr().String() }

// Handler returns the handler of the public listener, to serve requests
// without a network in between.
func (s *Server) Handler() http.Handler { return s.public.Handler }

// Catalog returns the catalogue the server serves.
func (s *Server) Catalog() *Catalog { return s.cat }

// Close stops both listeners, waiting up to five seconds for requests in
// flight to finish.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := errors.Join(s.public.Shutdown(ctx), s.admin.Shutdown(ctx))
	select {
	case serveErr := <-s.errs:
		err = errors.Join(err, serveErr)
	default:
	}
	if err != nil {
		return fmt.Errorf("closing shopd: %w", err)
	}
	return nil
}
