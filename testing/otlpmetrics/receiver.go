package otlpmetrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/grpc"
	_ "google.golang.org/grpc/encoding/gzip" // accept gzip-compressed exports
)

const (
	// DefaultMaxRequests is Config.MaxRequests's default.
	DefaultMaxRequests = 1000
	// MaxRequestBytes caps one export request, over gRPC and HTTP.
	MaxRequestBytes = 32 << 20
	// WaitTimeout caps every wait of WaitLatest; a context with an earlier
	// deadline ends the wait sooner.
	WaitTimeout = 30 * time.Second
	// stopTimeout bounds a graceful stop before the servers are closed hard.
	stopTimeout = 5 * time.Second
)

// Config tunes a Receiver.
type Config struct {
	// MaxRequests is how many export requests the receiver keeps, the
	// oldest dropped first; zero means DefaultMaxRequests.
	MaxRequests int
}

// Receiver is a running OTLP metrics receiver that keeps what it receives.
// Its methods are safe for concurrent use.
type Receiver struct {
	grpcAddr, httpAddr string
	max                int

	mu       sync.Mutex
	reqs     []*colmetricspb.ExportMetricsServiceRequest // ring of the last max requests
	next     int                                         // where the next request goes in reqs
	received int                                         // requests received in total
	changed  chan struct{}                               // closed and replaced on every request
}

// Start starts a receiver with the default Config; see StartConfig.
func Start(t testing.TB) *Receiver {
	t.Helper()
	return StartConfig(t, Config{})
}

// StartConfig starts an OTLP metrics receiver on two free loopback ports,
// OTLP/gRPC (the collector.metrics.v1.MetricsService) and OTLP/HTTP
// (POST /v1/metrics, binary protobuf or JSON, optionally gzip-compressed),
// and stops both in t.Cleanup. It fails the test if it cannot listen.
func StartConfig(t testing.TB, cfg Config) *Receiver {
	t.Helper()
	if cfg.MaxRequests <= 0 {
		cfg.MaxRequests = DefaultMaxRequests
	}
	r := &Receiver{max: cfg.MaxRequests, changed: make(chan struct{})}
	grpcLis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening for OTLP/gRPC: %v", err)
	}
	httpLis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = grpcLis.Close()
		t.Fatalf("listening for OTLP/HTTP: %v", err)
	}
	r.grpcAddr, r.httpAddr = grpcLis.Addr().String(), httpLis.Addr().String()

	gs := grpc.NewServer(grpc.MaxRecvMsgSize(MaxRequestBytes))
	colmetricspb.RegisterMetricsServiceServer(gs, metricsService{r: r})
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/metrics", r.serveHTTP)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	var wg sync.WaitGroup
	wg.Go(func() { _ = gs.Serve(grpcLis) })
	wg.Go(func() { _ = hs.Serve(httpLis) })
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
		defer cancel()
		if err := hs.Shutdown(ctx); err != nil {
			_ = hs.Close()
		}
		stopped := make(chan struct{})
		go func() {
			gs.GracefulStop()
			close(stopped)
		}()
		select {
		case <-stopped:
		case <-ctx.Done():
			gs.Stop() // ends GracefulStop too
			<-stopped
		}
		wg.Wait()
	})
	return r
}

// GRPCEndpoint returns the OTLP/gRPC address ("127.0.0.1:PORT", plaintext),
// as otlpmetricgrpc.WithEndpoint takes it.
func (r *Receiver) GRPCEndpoint() string { return r.grpcAddr }

// HTTPEndpoint returns the OTLP/HTTP address ("127.0.0.1:PORT", plaintext;
// metrics go to /v1/metrics), as otlpmetrichttp.WithEndpoint takes it.
func (r *Receiver) HTTPEndpoint() string { return r.httpAddr }

// metricsService is the OTLP/gRPC metrics service of a Receiver.
type metricsService struct {
	colmetricspb.UnimplementedMetricsServiceServer
	r *Receiver
}

// Export keeps the request.
func (s metricsService) Export(_ context.Context, req *colmetricspb.ExportMetricsServiceRequest) (*colmetricspb.ExportMetricsServiceResponse, error) {
	s.r.keep(req)
	return &colmetricspb.ExportMetricsServiceResponse{}, nil
}

// keep stores req, dropping the oldest request beyond the limit, and wakes
// the waiters.
func (r *Receiver) keep(req *colmetricspb.ExportMetricsServiceRequest) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.reqs) < r.max {
		r.reqs = append(r.reqs, req)
	} else {
		r.reqs[r.next] = req
	}
	r.next = (r.next + 1) % r.max
	r.received++
	close(r.changed)
	r.changed = make(chan struct{})
}

// Requests returns the kept export requests, oldest first. They are shared
// with the receiver: read them, do not change them.
func (r *Receiver) Requests() []*colmetricspb.ExportMetricsServiceRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.snapshot()
}

// Received returns the number of export requests received so far, including
// those no longer kept.
func (r *Receiver) Received() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.received
}

// snapshot returns the kept requests oldest first; r.mu must be held.
func (r *Receiver) snapshot() []*colmetricspb.ExportMetricsServiceRequest {
	out := make([]*colmetricspb.ExportMetricsServiceRequest, 0, len(r.reqs))
	if len(r.reqs) == r.max {
		out = append(out, r.reqs[r.next:]...)
		return append(out, r.reqs[:r.next]...)
	}
	return append(out, r.reqs...)
}

// WaitLatest waits until Latest(name, attrs...) finds a point for which done
// reports true (nil done: any point), ctx ends or WaitTimeout passes. It
// returns that point, or the last one found with the context's error.
func (r *Receiver) WaitLatest(ctx context.Context, name string, done func(Point) bool, attrs ...attribute.KeyValue) (Point, error) {
	ctx, cancel := context.WithTimeout(ctx, WaitTimeout)
	defer cancel()
	for {
		r.mu.Lock()
		changed := r.changed
		reqs := r.snapshot()
		r.mu.Unlock()
		p, ok := latest(reqs, name, attrs)
		if ok && (done == nil || done(p)) {
			return p, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			if !ok {
				return p, fmt.Errorf("waiting for metric %q %v: %w", name, attrs, errors.Join(ctx.Err(), ErrNotFound))
			}
			return p, fmt.Errorf("waiting for metric %q %v (last value %v, count %d): %w", name, attrs, p.Value, p.Count, ctx.Err())
		}
	}
}
