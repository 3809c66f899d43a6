package health

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// The paths a Server's Handler answers.
const (
	// LivePath is the liveness endpoint.
	LivePath = "/healthz"
	// ReadyPath is the readiness endpoint.
	ReadyPath = "/readyz"
)

// DefaultTimeout bounds each check of a request when Settings.Timeout is 0.
const DefaultTimeout = 3 * time.Second

// Check is one named condition of a process's health.
type Check struct {
	// Name names the check in the JSON body ("kafka", "store").
	Name string
	// Func returns nil when the condition holds, else an error saying why
	// not. It must return soon after ctx is done and be safe for concurrent
	// use: requests run checks concurrently.
	Func func(ctx context.Context) error
}

// Settings is what the program injects into a Server.
type Settings struct {
	// Logger receives the server's errors; nil discards.
	Logger *slog.Logger
	// Live are the checks of /healthz.
	Live []Check
	// Ready are the checks of /readyz.
	Ready []Check
	// Timeout bounds each check of a request (default DefaultTimeout).
	Timeout time.Duration
}

// Status values of a Report.
const (
	StatusOK   = "ok"
	StatusFail = "fail"
)

// Report is the JSON body of /healthz and /readyz.
type Report struct {
	// Status is "ok" when every check passed, else "fail".
	Status string `json:"status"`
	// Checks are the checks' results, in the order they were given.
	Checks []Result `json:"checks"`
}

// Result is one check's outcome.
type Result struct {
	// Name is the check's name.
	Name string `json:"name"`
	// OK says the check passed.
	OK bool `json:"ok"`
	// Error says why it did not.
	Error string `json:"error,omitempty"`
}

// Evaluate runs checks concurrently, each bounded by timeout, and reports
// their results.
func Evaluate(ctx context.Context, checks []Check, timeout time.Duration) Report {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	rep := Report{Status: StatusOK, Checks: make([]Result, len(checks))}
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Go(func() {
			err := c.Func(ctx)
			if err == nil && ctx.Err() != nil {
				err = fmt.Errorf("timed out after %s", timeout)
			}
			rep.Checks[i] = Result{Name: c.Name, OK: err == nil}
			if err != nil {
				rep.Checks[i].Error = err.Error()
			}
		})
	}
	wg.Wait()
	for _, r := range rep.Checks {
		if !r.OK {
			rep.Status = StatusFail
		}
	}
	return rep
}

// Server serves /healthz and /readyz. Its methods are safe for concurrent
// use.
type Server struct {
	cfg     Config
	log     *slog.Logger
	handler http.Handler

	mu      sync.Mutex
	srv     *http.Server
	addr    string
	started bool
	done    chan struct{} // closed when Serve returned
}

// New returns a server for cfg's address with the checks of set. It does
// not listen until Start.
func New(cfg Config, set Settings) *Server {
	if set.Logger == nil {
		set.Logger = slog.New(slog.DiscardHandler)
	}
	if set.Timeout <= 0 {
		set.Timeout = DefaultTimeout
	}
	mux := http.NewServeMux()
	mux.Handle(LivePath, endpoint(set.Live, set.Timeout, set.Logger))
	mux.Handle(ReadyPath, endpoint(set.Ready, set.Timeout, set.Logger))
	return &Server{cfg: cfg, log: set.Logger, handler: mux}
}

// Handler answers LivePath and ReadyPath (and 404 elsewhere): mount it on
// another server's mux to share its listener.
func (s *Server) Handler() http.Handler { return s.handler }

// endpoint answers GET and HEAD with the report of checks.
func endpoint(checks []Check, timeout time.Duration, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		rep := Evaluate(r.Context(), checks, timeout)
		body, err := json.Marshal(rep)
		if err != nil {
			log.Error("encoding a health report", "err", err)
			http.Error(w, "encoding the report failed", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if rep.Status != StatusOK {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_, _ = w.Write(append(body, '\n'))
	})
}

// ErrStarted is returned by Start on a server that was started before.
var ErrStarted = errors.New("health server already started")

// Start listens on Config.Listen and serves in the background until
// Shutdown. With no address configured it does nothing. It returns an error
// when it cannot listen (the address is taken).
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return ErrStarted
	}
	s.started = true
	if s.cfg.Listen == "" {
		return nil
	}
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listening for health probes on %s: %w", s.cfg.Listen, err)
	}
	s.srv = &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
	s.addr = ln.Addr().String()
	s.done = make(chan struct{})
	srv, done := s.srv, s.done
	go func() {
		defer close(done)
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("health endpoint stopped", "addr", ln.Addr().String(), "err", err)
		}
	}()
	return nil
}

// Addr returns the address the server listens on ("127.0.0.1:41234"), or ""
// when it does not listen.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Shutdown stops listening and waits for requests in flight, until ctx is
// done. It is idempotent and safe on a server that was never started.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	srv, done := s.srv, s.done
	s.srv, s.addr = nil, ""
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	err := srv.Shutdown(ctx)
	if err != nil {
		err = errors.Join(fmt.Errorf("stopping the health endpoint: %w", err), srv.Close())
	}
	<-done
	return err
}
