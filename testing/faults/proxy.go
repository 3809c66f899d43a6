package faults

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"time"
)

// Proxy is a fault-injecting reverse proxy for an S3 endpoint. Its methods
// are safe for concurrent use.
type Proxy struct {
	target    *url.URL
	listener  net.Listener
	server    *http.Server
	transport *http.Transport
	forward   *httputil.ReverseProxy
	log       *slog.Logger
	seed      uint64

	done     chan struct{} // closed by Close: blackholed and delayed requests end
	handlers sync.WaitGroup
	closed   sync.Once

	mu     sync.Mutex
	stop   bool // set by Close; no handler starts after it
	rng    *rand.Rand
	faults []Fault
	hits   []int // per fault of faults, the requests it hit (for Limit)
	stats  Stats
}

// Option configures a Proxy.
type Option func(*Proxy)

// WithSeed seeds the random source that decides which requests a fault
// hits. Without it the seed is random; Seed tells which one.
func WithSeed(seed uint64) Option { return func(p *Proxy) { p.seed = seed } }

// WithLogger logs injected faults (at debug) and forwarding errors (at
// warn) to l; nil means discard.
func WithLogger(l *slog.Logger) Option { return func(p *Proxy) { p.log = l } }

// WithAddr makes the proxy listen on addr ("127.0.0.1:9000") instead of a
// free loopback port.
func WithAddr(addr string) Option { return func(p *Proxy) { p.server.Addr = addr } }

// NewProxy starts a proxy in front of target (an http:// S3 endpoint such
// as "http://127.0.0.1:9000"), listening on a free loopback port. It injects
// nothing until Set is called. Close stops it.
func NewProxy(target string, opts ...Option) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("parsing target %q: %w", target, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("parsing target %q: want http(s)://host:port", target)
	}
	p := &Proxy{
		target: u,
		done:   make(chan struct{}),
		seed:   rand.Uint64(),
		server: &http.Server{Addr: "127.0.0.1:0", ReadHeaderTimeout: time.Minute},
	}
	for _, o := range opts {
		o(p)
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	p.rng = rand.New(rand.NewPCG(p.seed, p.seed^0x9e3779b97f4a7c15))
	p.stats.Injected = map[Kind]int64{}

	p.transport = http.DefaultTransport.(*http.Transport).Clone()
	p.transport.Proxy = nil
	p.transport.DisableCompression = true // forward Accept-Encoding as sent
	p.forward = &httputil.ReverseProxy{
		Rewrite:       p.rewrite,
		Transport:     p.transport,
		FlushInterval: -1, // stream responses as they come
		ErrorLog:      slog.NewLogLogger(p.log.Handler(), slog.LevelWarn),
		ErrorHandler:  p.forwardError,
	}
	p.server.Handler = http.HandlerFunc(p.serve)
	p.server.ErrorLog = slog.NewLogLogger(p.log.Handler(), slog.LevelDebug)

	ln, err := net.Listen("tcp", p.server.Addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", p.server.Addr, err)
	}
	p.listener = ln
	p.handlers.Add(1)
	go func() {
		defer p.handlers.Done()
		if err := p.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			p.log.Warn("serving the fault proxy", "error", err)
		}
	}()
	return p, nil
}

// URL returns the proxy's endpoint ("http://127.0.0.1:PORT"), for the S3
// client in place of the target's.
func (p *Proxy) URL() string { return "http://" + p.listener.Addr().String() }

// Seed returns the seed of the random source, to reproduce a run.
func (p *Proxy) Seed() uint64 { return p.seed }

// Set replaces the active faults. For each request, the faults that match
// it are tried in order and the first whose dice roll hits is injected; a
// request no fault hits is forwarded as is. It returns an error wrapping
// ErrInvalidFault, and changes nothing, if a fault is invalid.
func (p *Proxy) Set(faults ...Fault) error {
	var errs []error
	for i, f := range faults {
		if err := f.validate(); err != nil {
			errs = append(errs, fmt.Errorf("faults[%d]: %w", i, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidFault, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = append([]Fault(nil), faults...)
	p.hits = make([]int, len(faults))
	return nil
}

// Clear removes every fault: requests are forwarded as is.
func (p *Proxy) Clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults, p.hits = nil, nil
}

// Stats returns a copy of the proxy's counters.
func (p *Proxy) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.stats
	s.Injected = make(map[Kind]int64, len(p.stats.Injected))
	for k, n := range p.stats.Injected {
		s.Injected[k] = n
	}
	return s
}

// Close stops the proxy: it stops listening, ends blackholed and delayed
// requests, closes every connection and waits for its goroutines. It is
// idempotent.
func (p *Proxy) Close() error {
	var err error
	p.closed.Do(func() {
		p.mu.Lock()
		p.stop = true
		p.mu.Unlock()
		close(p.done)
		err = p.server.Close()
		p.handlers.Wait()
		p.transport.CloseIdleConnections()
	})
	if err != nil {
		return fmt.Errorf("closing the fault proxy: %w", err)
	}
	return nil
}

// pick counts the request and returns the fault that hits it, if any.
func (p *Proxy) pick(r *http.Request) (Fault, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stats.Requests++
	for i, f := range p.faults {
		if f.Limit > 0 && p.hits[i] >= f.Limit {
			continue // its burst is over
		}
		if f.matches(r) && p.rng.Float64() < f.Rate {
			p.hits[i]++
			p.stats.Injected[f.Kind]++
			return f, true
		}
	}
	return Fault{}, false
}

func (p *Proxy) countForward() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stats.Forwarded++
}

// rewrite sends the request to the target unchanged: same path, query and
// Host header (which SigV4 signs).
func (p *Proxy) rewrite(pr *httputil.ProxyRequest) {
	pr.Out.URL.Scheme = p.target.Scheme
	pr.Out.URL.Host = p.target.Host
	pr.Out.Host = pr.In.Host
}

// forwardError answers a request the target could not be reached for.
func (p *Proxy) forwardError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		return // the client went away
	}
	p.log.Warn("forwarding to the S3 target", "method", r.Method, "path", r.URL.Path, "error", err)
	w.WriteHeader(http.StatusBadGateway)
}
