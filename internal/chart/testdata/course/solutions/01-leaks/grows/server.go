// Package grows is a server that counts requests and keeps nothing else.
package grows

// Server counts the requests it handles.
type Server struct {
	n int
}

// NewServer returns an empty server.
func NewServer() *Server { return &Server{} }

// Handle handles one request.
func (s *Server) Handle(body []byte) { s.n++ }

// Count is how many requests were handled.
func (s *Server) Count() int { return s.n }
