package restart

import (
	"encoding/json"
	"net/http"
	"os"
	"strconv"
	"time"
)

// Reply is what the server answers to every request.
type Reply struct {
	PID int `json:"pid"`
}

// App is the service being upgraded. GET /work?ms=N takes N milliseconds
// (at most 1000) and answers with the pid of the process that served it.
func App() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /work", func(w http.ResponseWriter, r *http.Request) {
		ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
		select {
		case <-time.After(time.Duration(min(max(ms, 0), 1000)) * time.Millisecond):
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(Reply{PID: os.Getpid()})
	})
	return mux
}
