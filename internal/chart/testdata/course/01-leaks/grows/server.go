// Package grows is a server that, as shipped, keeps every request body and
// one goroutine per request alive for good.
package grows

// Server counts the requests it handles.
type Server struct {
	seen  [][]byte
	n     int
	never chan struct{}
}

// NewServer returns an empty server.
func NewServer() *Server { return &Server{never: make(chan struct{})} }

// Handle handles one request.
func (s *Server) Handle(body []byte) {
	s.seen = append(s.seen, body)
	s.n++
	go func() { <-s.never }()
}

// Count is how many requests were handled.
func (s *Server) Count() int { return s.n }
